package kv

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// Key names after "<id>." in the devices, users and enrollments buckets.
const (
	keyAuthenticate     = "auth"             // devices: raw Authenticate
	keyCert             = "cert"             // devices: identity certificate DER
	keySerial           = "serial"           // devices: serial number
	keyTokenUpdate      = "tok_upd"          // devices, users: raw TokenUpdate
	keyBootstrapToken   = "bstoken"          // devices: raw bootstrap token
	keyDeviceChannel    = "device_ch"        // users: parent device channel ID
	keyUserAuthenticate = "user_auth"        // users: first UserAuthenticate
	keyUserAuthDigest   = "user_auth_digest" // users: UserAuthenticate with digest
	keyTopic            = "topic"            // enrollments: APNs topic
	keyPushMagic        = "push_magic"       // enrollments: PushMagic
	keyToken            = "token"            // enrollments: raw push token
	keyType             = "type"             // enrollments: enrollment type name
	keyUnlockToken      = "unl_tok"          // enrollments: raw unlock token
	keyTally            = "tok_tal"          // enrollments: TokenUpdate tally
	keyEnrolledAt       = "enrolled_at"      // enrollments: first TokenUpdate time
	keyLastSeen         = "last_seen_at"     // enrollments: last request time
	keyDisabled         = "disabled"         // enrollments: "1" when disabled
	keyUserChannel      = "user_ch"          // enrollments: "<device>.user_ch.<user id>"
	valueTrue           = "1"
)

// StoreAuthenticate stores a device's Authenticate and deletes what a new
// enrollment must send again: the bootstrap token, the unlock token, the
// enrolled-at time and the tallies of the device and its user channels.
func (s *KV) StoreAuthenticate(r *mdm.Request, msg *mdm.Authenticate) error {
	if r.ParentID != "" {
		return fmt.Errorf("storing Authenticate for %s: %w", r.ID, storage.ErrDeviceChannelOnly)
	}
	ctx := r.Context

	cert := kvPair{join(r.ID, keyCert), nil}
	if r.Certificate != nil {
		cert.value = r.Certificate.Raw
	}
	serial := kvPair{join(r.ID, keySerial), []byte(msg.SerialNumber)}
	for _, p := range []kvPair{cert, serial} {
		if !s.keeps(p.key) {
			continue
		}
		if err := setOrDelete(ctx, s.devices, p); err != nil {
			return err
		}
	}
	if err := s.devices.Set(ctx, join(r.ID, keyAuthenticate), msg.Raw.Raw); err != nil {
		return fmt.Errorf("storing Authenticate for %s: %w", r.ID, err)
	}
	if err := deleteKeys(ctx, s.devices, join(r.ID, keyBootstrapToken)); err != nil {
		return err
	}

	// NOTE(parity): NanoMDM means to reset the user channel tallies here
	// but builds the wrong key; this resets them.
	users, err := s.userChannels(ctx, r.ID)
	if err != nil {
		return err
	}
	unlock := s.idLocks.lock(r.ID)
	defer unlock()
	keys := []string{join(r.ID, keyUnlockToken), join(r.ID, keyTally), join(r.ID, keyEnrolledAt)}
	for _, id := range users {
		keys = append(keys, join(id, keyTally))
	}
	return deleteKeys(ctx, s.enrollments, keys...)
}

// setOrDelete stores p, or deletes its key when its value is empty.
func setOrDelete(ctx context.Context, b Bucket, p kvPair) error {
	if len(p.value) == 0 {
		return deleteKeys(ctx, b, p.key)
	}
	return setKeys(ctx, b, p)
}

// userChannels returns the IDs of the user channels of device id that
// ever sent a TokenUpdate.
func (s *KV) userChannels(ctx context.Context, id string) ([]string, error) {
	prefix := join(id, keyUserChannel) + keySep
	keys, err := s.enrollments.KeysPrefix(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("listing user channels of %s: %w", id, err)
	}
	ids := make([]string, 0, len(keys))
	for _, key := range keys {
		if userID := key[len(prefix):]; userID != "" {
			ids = append(ids, userID)
		}
	}
	return ids, nil
}

// StoreTokenUpdate stores a TokenUpdate and its push details, enables the
// enrollment and adds one to its tally.
func (s *KV) StoreTokenUpdate(r *mdm.Request, msg *mdm.TokenUpdate) error {
	ctx := r.Context
	raw := s.devices
	if r.ParentID != "" {
		raw = s.users
		if err := s.users.Set(ctx, join(r.ID, keyDeviceChannel), []byte(r.ParentID)); err != nil {
			return fmt.Errorf("storing device channel of %s: %w", r.ID, err)
		}
	}
	if err := raw.Set(ctx, join(r.ID, keyTokenUpdate), msg.Raw.Raw); err != nil {
		return fmt.Errorf("storing TokenUpdate for %s: %w", r.ID, err)
	}

	pairs := []kvPair{
		{join(r.ID, keyType), []byte(r.Type.String())},
		{join(r.ID, keyTopic), []byte(msg.Topic)},
		{join(r.ID, keyPushMagic), []byte(msg.PushMagic)},
		{join(r.ID, keyToken), msg.Token},
	}
	// Later TokenUpdates often leave the unlock token out; keep the
	// stored one then.
	if len(msg.UnlockToken) > 0 {
		pairs = append(pairs, kvPair{join(r.ID, keyUnlockToken), msg.UnlockToken})
	}
	if r.ParentID != "" {
		pairs = append(pairs, kvPair{join(r.ParentID, keyUserChannel, r.ID), []byte(valueTrue)})
	}
	if err := s.touch(r); err != nil {
		return err
	}
	if err := setKeys(ctx, s.enrollments, s.kept(pairs)...); err != nil {
		return err
	}
	return s.bumpTally(ctx, r.ID)
}

// bumpTally adds one to the tally of id, records the enrolled-at time
// when the tally becomes 1, and enables the enrollment.
func (s *KV) bumpTally(ctx context.Context, id string) error {
	unlock := s.idLocks.lock(id)
	defer unlock()
	tally, err := s.tally(ctx, id)
	if err != nil {
		return err
	}
	tally++
	pairs := []kvPair{{join(id, keyTally), strconv.AppendInt(nil, int64(tally), 10)}}
	if tally == 1 {
		pairs = append(pairs, kvPair{join(id, keyEnrolledAt), formatTime(s.now())})
	}
	if err := setKeys(ctx, s.enrollments, s.kept(pairs)...); err != nil {
		return err
	}
	return deleteKeys(ctx, s.enrollments, join(id, keyDisabled))
}

// tally reads the tally of id. A missing or unreadable tally is 0, as in
// NanoMDM.
func (s *KV) tally(ctx context.Context, id string) (int, error) {
	v, err := getString(ctx, s.enrollments, join(id, keyTally))
	if err != nil {
		return 0, fmt.Errorf("reading tally of %s: %w", id, err)
	}
	n, _ := strconv.Atoi(v)
	return n, nil
}

// RetrieveTokenUpdateTally returns the TokenUpdate tally of id, 0 for an
// unknown id.
func (s *KV) RetrieveTokenUpdateTally(ctx context.Context, id string) (int, error) {
	return s.tally(ctx, id)
}

// Disable marks r.ID disabled and resets its tally. On a device channel
// it does the same for every user channel of the device.
func (s *KV) Disable(r *mdm.Request) error {
	if err := s.touch(r); err != nil {
		return err
	}
	ids := []string{r.ID}
	if r.ParentID == "" {
		// NOTE(parity): NanoMDM means to disable the user channels here
		// but builds the wrong key, so they stay enabled. SQL disables
		// them, and so do we.
		users, err := s.userChannels(r.Context, r.ID)
		if err != nil {
			return err
		}
		ids = append(ids, users...)
	}
	for _, id := range ids {
		if err := s.disable(r.Context, id); err != nil {
			return err
		}
	}
	return nil
}

// disable marks one enrollment disabled and resets its tally.
//
// NOTE(parity): NanoMDM's KV Disable keeps the tally; its SQL backends
// reset it, which the storage contract requires.
func (s *KV) disable(ctx context.Context, id string) error {
	unlock := s.idLocks.lock(id)
	defer unlock()
	if err := setKeys(ctx, s.enrollments, kvPair{join(id, keyDisabled), []byte(valueTrue)}); err != nil {
		return err
	}
	return deleteKeys(ctx, s.enrollments, join(id, keyTally))
}

// StoreUserAuthenticate stores a UserAuthenticate in the slot for its
// kind and keeps the user channel disabled until its TokenUpdate.
func (s *KV) StoreUserAuthenticate(r *mdm.Request, msg *mdm.UserAuthenticate) error {
	if err := s.touch(r); err != nil {
		return err
	}
	key := keyUserAuthenticate
	if msg.DigestResponse != "" {
		key = keyUserAuthDigest
	}
	if err := s.users.Set(r.Context, join(r.ID, key), msg.Raw.Raw); err != nil {
		return fmt.Errorf("storing UserAuthenticate for %s: %w", r.ID, err)
	}
	return setKeys(r.Context, s.enrollments, kvPair{join(r.ID, keyDisabled), []byte(valueTrue)})
}

// touch records now as the last-seen time of r.ID.
func (s *KV) touch(r *mdm.Request) error {
	if !s.keeps(keyLastSeen) {
		return nil
	}
	err := s.enrollments.Set(r.Context, join(r.ID, keyLastSeen), formatTime(s.now()))
	if err != nil {
		return fmt.Errorf("updating last seen of %s: %w", r.ID, err)
	}
	return nil
}

// writeOnlyKeys are the key names no method of this package reads. They
// are stored for NanoMDM and for people reading the files.
var writeOnlyKeys = []string{keyCert, keySerial, keyUnlockToken, keyEnrolledAt, keyLastSeen}

// keeps reports whether the key, or key name, is stored: always, unless
// WithoutWriteOnlyKeys left out the write-only ones.
func (s *KV) keeps(key string) bool {
	if !s.skipWriteOnly {
		return true
	}
	for _, name := range writeOnlyKeys {
		if key == name || strings.HasSuffix(key, keySep+name) {
			return false
		}
	}
	return true
}

// kept returns the pairs whose keys are stored.
func (s *KV) kept(pairs []kvPair) []kvPair {
	if !s.skipWriteOnly {
		return pairs
	}
	out := pairs[:0:0]
	for _, p := range pairs {
		if s.keeps(p.key) {
			out = append(out, p)
		}
	}
	return out
}
