package file

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// StoreAuthenticate writes the Authenticate message, the identity
// certificate and the serial number of a device channel, resets its tally
// to 0 and removes its escrowed bootstrap token. A user channel request
// returns [storage.ErrDeviceChannelOnly].
func (s *FileStorage) StoreAuthenticate(r *mdm.Request, msg *mdm.Authenticate) error {
	if r.ParentID != "" {
		return fmt.Errorf("storing Authenticate for %s: %w", r.ID, storage.ErrDeviceChannelOnly)
	}
	dir, err := s.dir(r.ID)
	if err != nil {
		return err
	}

	// NOTE(parity): NanoMDM's file backend keeps an earlier Identity.pem
	// and SerialNumber.txt when the new Authenticate has none (a message
	// sent through /migration carries no certificate). These are removed
	// instead, as NanoMDM's default filekv backend does, so the stored
	// certificate always belongs to the latest Authenticate.
	var certPEM []byte
	if r.Certificate != nil {
		certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate.Raw})
	}
	steps := []struct {
		name string
		data []byte
	}{
		{identityCertFile, certPEM},
		{serialNumberFile, []byte(msg.SerialNumber)},
		{bootstrapTokenFile, nil},
		{tallyFile, []byte("0")},
		{authenticateFile, msg.Raw.Raw},
	}
	for _, step := range steps {
		if err := writeOrRemove(filepath.Join(dir, step.name), step.data); err != nil {
			return fmt.Errorf("storing Authenticate for %s: %w", r.ID, err)
		}
	}
	return nil
}

// writeOrRemove writes data to path, or removes path when data is empty.
func writeOrRemove(path string, data []byte) error {
	if len(data) == 0 {
		return removeFile(path)
	}
	return writeFile(path, data, 0o644, time.Time{})
}

// StoreTokenUpdate writes the TokenUpdate message and any unlock token,
// links a user channel to its device, adds one to the tally and enables
// the enrollment.
func (s *FileStorage) StoreTokenUpdate(r *mdm.Request, msg *mdm.TokenUpdate) error {
	dir, err := s.dir(r.ID)
	if err != nil {
		return err
	}
	if err := s.storeTokenUpdate(r, dir, msg); err != nil {
		return fmt.Errorf("storing TokenUpdate for %s: %w", r.ID, err)
	}
	return nil
}

func (s *FileStorage) storeTokenUpdate(r *mdm.Request, dir string, msg *mdm.TokenUpdate) error {
	// Later TokenUpdates usually omit the unlock token, so it lives in
	// its own file that only a message carrying one overwrites.
	if len(msg.UnlockToken) > 0 {
		if err := writeFile(filepath.Join(dir, unlockTokenFile), msg.UnlockToken, 0o644, time.Time{}); err != nil {
			return err
		}
	}
	if r.ParentID != "" {
		parent, err := s.dir(r.ParentID)
		if err != nil {
			return err
		}
		if err := touch(filepath.Join(parent, subEnrollmentsDir, r.ID)); err != nil {
			return err
		}
	}
	if err := writeFile(filepath.Join(dir, tokenUpdateFile), msg.Raw.Raw, 0o644, time.Time{}); err != nil {
		return err
	}

	mu := s.lock(r.ID)
	mu.Lock()
	defer mu.Unlock()
	tally := readTally(filepath.Join(dir, tallyFile))
	if err := writeFile(filepath.Join(dir, tallyFile), []byte(strconv.Itoa(tally+1)), 0o644, time.Time{}); err != nil {
		return err
	}
	return removeFile(filepath.Join(dir, disabledFile))
}

// readTally returns the decimal number stored in path, or 0 when the file
// is missing or does not hold a number, as NanoMDM reads it.
func readTally(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return n
}

// RetrieveTokenUpdateTally returns the tally of id, or 0 for an unknown
// or invalid ID.
func (s *FileStorage) RetrieveTokenUpdateTally(_ context.Context, id string) (int, error) {
	dir, err := s.dir(id)
	if err != nil {
		return 0, nil
	}
	return readTally(filepath.Join(dir, tallyFile)), nil
}

// StoreUserAuthenticate writes a UserAuthenticate message: the first one
// and the one with a DigestResponse go to separate files.
func (s *FileStorage) StoreUserAuthenticate(r *mdm.Request, msg *mdm.UserAuthenticate) error {
	dir, err := s.dir(r.ID)
	if err != nil {
		return err
	}
	name := userAuthFile
	if msg.DigestResponse != "" {
		name = userAuthDigestFile
	}
	if err := writeFile(filepath.Join(dir, name), msg.Raw.Raw, 0o644, time.Time{}); err != nil {
		return fmt.Errorf("storing UserAuthenticate for %s: %w", r.ID, err)
	}
	return nil
}

// Disable marks an enrollment disabled and resets its tally to 0. For a
// device channel every user channel of the device is disabled too; for a
// user channel only that channel is. An unknown enrollment is left alone.
func (s *FileStorage) Disable(r *mdm.Request) error {
	ids, err := s.channelIDs(r)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.disable(id); err != nil {
			return fmt.Errorf("disabling %s: %w", id, err)
		}
	}
	return nil
}

func (s *FileStorage) disable(id string) error {
	dir, err := s.dir(id)
	if err != nil {
		return err
	}
	found, err := exists(dir)
	if err != nil || !found {
		return err
	}
	mu := s.lock(id)
	mu.Lock()
	defer mu.Unlock()
	if err := touch(filepath.Join(dir, disabledFile)); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, tallyFile), []byte("0"), 0o644, time.Time{})
}

// channelIDs returns r.ID and, for a device channel, the IDs of all its
// user channels.
//
// NOTE(parity): NanoMDM's file backend rejects user channels in Disable
// and ClearQueue; here they act on that one channel. It also deletes the
// SubEnrollments directory on Disable, which made a later Authenticate
// miss the user channels; the directory is kept.
func (s *FileStorage) channelIDs(r *mdm.Request) ([]string, error) {
	dir, err := s.dir(r.ID)
	if err != nil {
		return nil, err
	}
	ids := []string{r.ID}
	if r.ParentID != "" {
		return ids, nil
	}
	entries, err := os.ReadDir(filepath.Join(dir, subEnrollmentsDir))
	if errors.Is(err, os.ErrNotExist) {
		return ids, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing user channels of %s: %w", r.ID, err)
	}
	for _, entry := range entries {
		// NanoMDM only names user channels here, whose IDs start with
		// the device ID; anything else (such as .DS_Store) is skipped.
		if strings.HasPrefix(entry.Name(), r.ID+":") {
			ids = append(ids, entry.Name())
		}
	}
	return ids, nil
}
