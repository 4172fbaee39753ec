package kv

import (
	"context"
	"fmt"
	"strings"

	"github.com/micromdm/plist"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// RetrieveMigrationCheckins sends, for each device that has an
// Authenticate and is not disabled: its Authenticate, its TokenUpdate, a
// SetBootstrapToken built from the stored token if there is one, then for
// each enabled user channel its UserAuthenticate messages and TokenUpdate.
// A device without a TokenUpdate stops after its Authenticate. A stored
// message that cannot be decoded is sent as an error.
func (s *KV) RetrieveMigrationCheckins(ctx context.Context, out chan<- any) error {
	suffix := keySep + keyAuthenticate
	keys, err := s.devices.KeysPrefix(ctx, "")
	if err != nil {
		return fmt.Errorf("listing devices: %w", err)
	}
	for _, key := range keys {
		id, ok := strings.CutSuffix(key, suffix)
		if !ok || id == "" {
			continue
		}
		if err := s.migrateDevice(ctx, id, out); err != nil {
			return err
		}
	}
	return nil
}

// migrateDevice sends the messages of one device and its user channels.
func (s *KV) migrateDevice(ctx context.Context, id string, out chan<- any) error {
	if disabled, err := s.enrollments.Has(ctx, join(id, keyDisabled)); err != nil || disabled {
		return err
	}
	sent, err := s.sendStored(ctx, out, s.devices, join(id, keyAuthenticate))
	if err != nil || !sent {
		return err
	}
	if sent, err = s.sendStored(ctx, out, s.devices, join(id, keyTokenUpdate)); err != nil || !sent {
		return err
	}
	if err := s.sendBootstrapToken(ctx, id, out); err != nil {
		return err
	}

	users, err := s.userChannels(ctx, id)
	if err != nil {
		return err
	}
	for _, user := range users {
		if disabled, err := s.enrollments.Has(ctx, join(user, keyDisabled)); err != nil {
			return err
		} else if disabled {
			continue
		}
		for _, name := range []string{keyUserAuthenticate, keyUserAuthDigest, keyTokenUpdate} {
			if _, err := s.sendStored(ctx, out, s.users, join(user, name)); err != nil {
				return err
			}
		}
	}
	return nil
}

// sendStored decodes the check-in stored under key and sends it, or the
// decoding error. It reports false when key is not stored.
func (s *KV) sendStored(ctx context.Context, out chan<- any, b Bucket, key string) (bool, error) {
	raw, err := getOptional(ctx, b, key)
	if err != nil || raw == nil {
		return false, err
	}
	return true, storage.SendMigrationCheckin(ctx, out, raw)
}

// bootstrapCheckin is the SetBootstrapToken built for migration. NanoMDM
// always names the device with the UDID key, even for a User Enrollment.
type bootstrapCheckin struct {
	MessageType    string
	UDID           string
	BootstrapToken []byte
}

// sendBootstrapToken sends a SetBootstrapToken carrying the device's
// stored token, if it has one.
func (s *KV) sendBootstrapToken(ctx context.Context, id string, out chan<- any) error {
	token, err := getOptional(ctx, s.devices, join(id, keyBootstrapToken))
	if err != nil || len(token) == 0 {
		return err
	}
	raw, err := plist.Marshal(&bootstrapCheckin{
		MessageType:    mdm.MessageSetBootstrapToken,
		UDID:           id,
		BootstrapToken: token,
	})
	if err != nil {
		return fmt.Errorf("encoding bootstrap token of %s: %w", id, err)
	}
	return storage.SendMigrationCheckin(ctx, out, raw)
}
