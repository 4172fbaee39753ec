package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// StoreAuthenticate stores the device's Authenticate, identity certificate
// (as PEM) and serial number, and clears its escrowed bootstrap token. The
// stored TokenUpdate and unlock token stay.
func (s *Store) StoreAuthenticate(r *mdm.Request, msg *mdm.Authenticate) error {
	if r.Type.IsUserChannel() {
		return fmt.Errorf("storing Authenticate for %s: %w", r.ID, storage.ErrDeviceChannelOnly)
	}
	var certPEM any
	if r.Certificate != nil {
		certPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate.Raw}))
	}
	_, err := s.st.authenticate.ExecContext(requestContext(r),
		r.ID, certPEM, nullString(msg.SerialNumber), string(msg.Raw.Raw))
	if err != nil {
		return fmt.Errorf("storing Authenticate for %s: %w", r.ID, err)
	}
	return nil
}

// StoreTokenUpdate stores the TokenUpdate on the device or user row, then
// creates or refreshes the enrollment: enabled, tally plus one. A device
// must have sent Authenticate first.
func (s *Store) StoreTokenUpdate(r *mdm.Request, msg *mdm.TokenUpdate) error {
	if msg.Enrollment.Resolve() == nil {
		return fmt.Errorf("storing TokenUpdate for %s: %w", r.ID, mdm.ErrNoEnrollmentID)
	}
	ctx := requestContext(r)
	if err := s.storeTokenUpdateMessage(ctx, r, msg); err != nil {
		return s.tokenUpdateError(r, err)
	}

	deviceID, userID := r.ID, any(nil)
	if r.Type.IsUserChannel() {
		deviceID, userID = r.ParentID, r.ID
	}
	_, err := s.st.enrollmentUpsert.ExecContext(ctx,
		r.ID, deviceID, userID, r.Type.String(),
		msg.Topic, msg.PushMagic, hex.EncodeToString(msg.Token))
	if err != nil {
		return s.tokenUpdateError(r, err)
	}
	return nil
}

// storeTokenUpdateMessage writes the raw TokenUpdate to the devices or
// users row of r.
func (s *Store) storeTokenUpdateMessage(ctx context.Context, r *mdm.Request, msg *mdm.TokenUpdate) error {
	raw := string(msg.Raw.Raw)
	if r.Type.IsUserChannel() {
		// NOTE: a user channel's UnlockToken is not stored, as in NanoMDM:
		// the devices row holds the device's token only.
		_, err := s.st.userTokenUpdate.ExecContext(ctx, r.ID, r.ParentID,
			nullString(msg.UserShortName), nullString(msg.UserLongName), raw)
		return err
	}
	if len(msg.UnlockToken) > 0 {
		_, err := s.st.deviceTokenUpdateUnlock.ExecContext(ctx, raw, msg.UnlockToken, r.ID)
		return err
	}
	_, err := s.st.deviceTokenUpdate.ExecContext(ctx, raw, r.ID)
	return err
}

// tokenUpdateError wraps err, naming the missing Authenticate when a
// foreign key failed.
func (s *Store) tokenUpdateError(r *mdm.Request, err error) error {
	if s.dialect.IsForeignKeyViolation(err) {
		return fmt.Errorf("storing TokenUpdate for %s: no Authenticate stored for device %s: %w",
			r.ID, r.DeviceID(), err)
	}
	return fmt.Errorf("storing TokenUpdate for %s: %w", r.ID, err)
}

// StoreUserAuthenticate stores a user channel's UserAuthenticate in the
// slot for first messages or the one for messages with a DigestResponse.
func (s *Store) StoreUserAuthenticate(r *mdm.Request, msg *mdm.UserAuthenticate) error {
	if !r.Type.IsUserChannel() {
		return fmt.Errorf("storing UserAuthenticate for %s: not a user channel", r.ID)
	}
	stmt := s.st.userAuthenticate
	if msg.DigestResponse != "" {
		stmt = s.st.userAuthenticateDigest
	}
	ctx := requestContext(r)
	_, err := stmt.ExecContext(ctx, r.ID, r.ParentID,
		nullString(msg.UserShortName), nullString(msg.UserLongName), string(msg.Raw.Raw))
	if s.dialect.IsForeignKeyViolation(err) {
		return fmt.Errorf("storing UserAuthenticate for %s: no Authenticate stored for device %s: %w",
			r.ID, r.ParentID, err)
	}
	if err != nil {
		return fmt.Errorf("storing UserAuthenticate for %s: %w", r.ID, err)
	}
	return s.updateLastSeen(ctx, r.ID)
}

// Disable disables the enrollment and resets its tally. A device channel
// takes its user channels with it; a user channel only itself.
func (s *Store) Disable(r *mdm.Request) error {
	// NOTE(parity): NanoMDM's SQL backends reject Disable on a user
	// channel; disabling only that channel is what its file backend does.
	stmt := s.st.disableDevice
	if r.Type.IsUserChannel() {
		stmt = s.st.disableUser
	}
	if _, err := stmt.ExecContext(requestContext(r), r.ID); err != nil {
		return fmt.Errorf("disabling %s: %w", r.ID, err)
	}
	return nil
}

// RetrieveTokenUpdateTally returns the tally of id, or 0 for an unknown id.
func (s *Store) RetrieveTokenUpdateTally(ctx context.Context, id string) (int, error) {
	var tally int
	err := s.st.tally.QueryRowContext(ctx, id).Scan(&tally)
	if errors.Is(err, sql.ErrNoRows) {
		// NOTE(parity): NanoMDM's SQL backends return the no-rows error.
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("retrieving tally of %s: %w", id, err)
	}
	return tally, nil
}

// updateLastSeen sets the last-seen time of enrollment id, if it has one.
func (s *Store) updateLastSeen(ctx context.Context, id string) error {
	if _, err := s.st.lastSeen.ExecContext(ctx, id); err != nil {
		return fmt.Errorf("updating last seen of %s: %w", id, err)
	}
	return nil
}
