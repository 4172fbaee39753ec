package file

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// StoreBootstrapToken writes the escrowed bootstrap token of a device
// channel, or removes it when the message carries none. A user channel
// request stores nothing and returns [storage.ErrDeviceChannelOnly].
//
// NOTE(parity): NanoMDM's file backend stores a user channel's token in
// that channel's directory; both bootstrap token messages are device
// channel messages here.
func (s *FileStorage) StoreBootstrapToken(r *mdm.Request, msg *mdm.SetBootstrapToken) error {
	path, err := s.bootstrapTokenPath(r)
	if err != nil {
		return fmt.Errorf("storing bootstrap token: %w", err)
	}
	if err := writeOrRemove(path, msg.BootstrapToken.BootstrapToken); err != nil {
		return fmt.Errorf("storing bootstrap token for %s: %w", r.ID, err)
	}
	return nil
}

// RetrieveBootstrapToken returns the escrowed bootstrap token of a device
// channel, or nil with no error when none is stored. A user channel
// request returns [storage.ErrDeviceChannelOnly].
func (s *FileStorage) RetrieveBootstrapToken(r *mdm.Request, _ *mdm.GetBootstrapToken) (*mdm.BootstrapToken, error) {
	path, err := s.bootstrapTokenPath(r)
	if err != nil {
		return nil, fmt.Errorf("retrieving bootstrap token: %w", err)
	}
	token, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(token) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("retrieving bootstrap token for %s: %w", r.ID, err)
	}
	return &mdm.BootstrapToken{BootstrapToken: token}, nil
}

// bootstrapTokenPath returns the token file of the device channel r names.
func (s *FileStorage) bootstrapTokenPath(r *mdm.Request) (string, error) {
	if r.ParentID != "" {
		return "", fmt.Errorf("user channel %s: %w", r.ID, storage.ErrDeviceChannelOnly)
	}
	dir, err := s.dir(r.ID)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, bootstrapTokenFile), nil
}
