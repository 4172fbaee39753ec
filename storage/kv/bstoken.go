package kv

import (
	"fmt"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// StoreBootstrapToken stores the device's bootstrap token, or deletes it
// when the message has none. User channels get an error wrapping
// [storage.ErrDeviceChannelOnly].
//
// NOTE(parity): NanoMDM stores an empty value for a message without a
// token and later returns empty data; we delete the key instead.
func (s *KV) StoreBootstrapToken(r *mdm.Request, msg *mdm.SetBootstrapToken) error {
	if err := s.touch(r); err != nil {
		return err
	}
	if r.ParentID != "" {
		return fmt.Errorf("storing bootstrap token for %s: %w", r.ID, storage.ErrDeviceChannelOnly)
	}
	return setOrDelete(r.Context, s.devices, kvPair{join(r.ID, keyBootstrapToken), msg.BootstrapToken.BootstrapToken})
}

// RetrieveBootstrapToken returns the device's bootstrap token, or nil
// when none is stored. An empty stored value, which NanoMDM writes for a
// message without a token, also counts as none.
func (s *KV) RetrieveBootstrapToken(r *mdm.Request, _ *mdm.GetBootstrapToken) (*mdm.BootstrapToken, error) {
	if err := s.touch(r); err != nil {
		return nil, err
	}
	if r.ParentID != "" {
		return nil, fmt.Errorf("retrieving bootstrap token for %s: %w", r.ID, storage.ErrDeviceChannelOnly)
	}
	token, err := getOptional(r.Context, s.devices, join(r.ID, keyBootstrapToken))
	if err != nil {
		return nil, fmt.Errorf("retrieving bootstrap token for %s: %w", r.ID, err)
	}
	if len(token) == 0 {
		return nil, nil
	}
	return &mdm.BootstrapToken{BootstrapToken: token}, nil
}
