package sqlstore

import (
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// StoreBootstrapToken escrows the device's bootstrap token as standard
// base64, or clears it when the message has none.
func (s *Store) StoreBootstrapToken(r *mdm.Request, msg *mdm.SetBootstrapToken) error {
	if r.Type.IsUserChannel() {
		// NOTE(parity): NanoMDM's SQL backends accept the message and match
		// no row; every backend here rejects it and stores nothing.
		return fmt.Errorf("storing bootstrap token for %s: %w", r.ID, storage.ErrDeviceChannelOnly)
	}
	var token any
	if len(msg.BootstrapToken.BootstrapToken) > 0 {
		token = base64.StdEncoding.EncodeToString(msg.BootstrapToken.BootstrapToken)
	}
	ctx := requestContext(r)
	if _, err := s.st.storeBootstrap.ExecContext(ctx, token, r.ID); err != nil {
		return fmt.Errorf("storing bootstrap token for %s: %w", r.ID, err)
	}
	return s.updateLastSeen(ctx, r.ID)
}

// RetrieveBootstrapToken returns the device's escrowed token, or nil when
// none is stored or the device is unknown.
func (s *Store) RetrieveBootstrapToken(r *mdm.Request, _ *mdm.GetBootstrapToken) (*mdm.BootstrapToken, error) {
	if r.Type.IsUserChannel() {
		return nil, fmt.Errorf("retrieving bootstrap token for %s: %w", r.ID, storage.ErrDeviceChannelOnly)
	}
	ctx := requestContext(r)
	var b64 sql.NullString
	err := s.st.bootstrap.QueryRowContext(ctx, r.ID).Scan(&b64)
	if errors.Is(err, sql.ErrNoRows) {
		// NOTE(parity): NanoMDM's SQL backends return the no-rows error for
		// an unknown device; every backend here returns no token.
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("retrieving bootstrap token for %s: %w", r.ID, err)
	}
	if !b64.Valid {
		return nil, nil
	}
	token, err := base64.StdEncoding.DecodeString(b64.String)
	if err != nil {
		return nil, fmt.Errorf("decoding bootstrap token of %s: %w", r.ID, err)
	}
	if err := s.updateLastSeen(ctx, r.ID); err != nil {
		return nil, err
	}
	return &mdm.BootstrapToken{BootstrapToken: token}, nil
}
