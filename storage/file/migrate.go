package file

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mdmforge/nanomdm/mdm"
)

// RetrieveMigrationCheckins sends the stored check-ins to out in two
// passes over the enrollment directories, in name order. The first pass
// sends each device's Authenticate, then its TokenUpdate, or an error
// when the device never sent one.
// The second sends the TokenUpdate of every directory without an
// Authenticate, which are the user channels, so each comes after its
// device. A message that cannot be read or decoded is sent as an error.
// Disabled enrollments are included, and bootstrap tokens and
// UserAuthenticate messages are not sent, as in NanoMDM's file backend.
//
// NOTE(parity): NanoMDM's second pass sends the TokenUpdate of every
// directory again, so user channels were sent twice, the first time
// possibly before their device. Each message is sent once here.
func (s *FileStorage) RetrieveMigrationCheckins(ctx context.Context, out chan<- any) error {
	entries, err := os.ReadDir(s.root)
	if err != nil {
		return fmt.Errorf("listing enrollments: %w", err)
	}
	var users []string
	for _, entry := range entries {
		if !entry.IsDir() || strings.HasPrefix(entry.Name(), ".") {
			continue
		}
		dir := filepath.Join(s.root, entry.Name())
		sent, err := sendCheckin(ctx, out, filepath.Join(dir, authenticateFile), false)
		if err != nil {
			return err
		}
		if !sent {
			users = append(users, dir)
			continue
		}
		if _, err := sendCheckin(ctx, out, filepath.Join(dir, tokenUpdateFile), true); err != nil {
			return err
		}
	}
	for _, dir := range users {
		if _, err := sendCheckin(ctx, out, filepath.Join(dir, tokenUpdateFile), false); err != nil {
			return err
		}
	}
	return nil
}

// sendCheckin sends the decoded check-in in path to out, or an error
// naming the file when it cannot be read or decoded. A missing file is
// skipped unless required, when it is sent as an error too. It reports
// whether anything was sent, and returns an error only when ctx ends
// first.
func sendCheckin(ctx context.Context, out chan<- any, path string, required bool) (bool, error) {
	var item any
	raw, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist) && !required:
		return false, nil
	case err != nil:
		item = fmt.Errorf("reading %s: %w", path, err)
	default:
		item, err = mdm.DecodeCheckin(raw)
		if err != nil {
			item = fmt.Errorf("decoding %s: %w", path, err)
		}
	}
	select {
	case out <- item:
		return true, nil
	case <-ctx.Done():
		return true, ctx.Err()
	}
}
