package file

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// Queue directories inside an enrollment directory.
const (
	queuePending  = "Queue"
	queueNotNow   = "QueueNotNow"
	queueDone     = "QueueDone"
	queueInactive = "QueueInactive"
)

// File name suffixes of a command and of its latest report.
const (
	commandExt = ".plist"
	resultExt  = ".result.plist"
)

// checkCommandUUID reports an error for a UUID that cannot name a queue
// file, including one ending in ".result", whose file would look like the
// report of another command.
func checkCommandUUID(uuid string) error {
	if err := checkName("command UUID", uuid); err != nil {
		return err
	}
	if strings.HasSuffix(uuid, ".result") {
		return fmt.Errorf("invalid command UUID %q: ends with .result", uuid)
	}
	return nil
}

// EnqueueCommand writes cmd into the pending queue of every ID that has a
// stored TokenUpdate. Other IDs get [storage.ErrEnrollmentNotFound], or
// the reason the ID is invalid, in the returned map. A CommandUUID that
// was enqueued before by this backend is a global error.
func (s *FileStorage) EnqueueCommand(_ context.Context, ids []string, cmd *mdm.Command) (map[string]error, error) {
	if err := checkCommandUUID(cmd.CommandUUID); err != nil {
		return nil, err
	}
	idErrs := make(map[string]error)
	known, err := s.knownIDs(ids, idErrs)
	if err != nil {
		return nil, err
	}
	if len(known) == 0 {
		return idErrs, nil
	}
	if err := s.claimCommandUUID(cmd.CommandUUID); err != nil {
		return nil, err
	}

	// Every copy gets the same stamp, so the command keeps its place
	// relative to the others in each queue.
	stamp := s.stamps.next(time.Now())
	for _, id := range known {
		path := filepath.Join(s.root, id, queuePending, cmd.CommandUUID+commandExt)
		if err := writeFile(path, cmd.Raw.Raw, 0o644, stamp); err != nil {
			idErrs[id] = fmt.Errorf("writing command %s: %w", cmd.CommandUUID, err)
		}
	}
	return idErrs, nil
}

// knownIDs returns the distinct IDs of ids that have a stored TokenUpdate
// and records an error in idErrs for each of the others.
//
// NOTE(parity): NanoMDM's file backend queues commands for any ID, even
// one with no enrollment; here such IDs get ErrEnrollmentNotFound.
func (s *FileStorage) knownIDs(ids []string, idErrs map[string]error) ([]string, error) {
	known := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		dir, err := s.dir(id)
		if err != nil {
			idErrs[id] = err
			continue
		}
		found, err := exists(filepath.Join(dir, tokenUpdateFile))
		if err != nil {
			return nil, fmt.Errorf("checking enrollment %s: %w", id, err)
		}
		if !found {
			idErrs[id] = storage.ErrEnrollmentNotFound
			continue
		}
		known = append(known, id)
	}
	return known, nil
}

// claimCommandUUID creates the marker of uuid in the command index, or
// fails when it exists.
//
// NOTE(parity): NanoMDM's file backend lets a command UUID be reused.
// UUIDs enqueued by NanoMDM before this index existed are not in it, so
// their reuse is not detected.
func (s *FileStorage) claimCommandUUID(uuid string) error {
	dir := filepath.Join(s.root, commandIndexDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating command index: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, uuid), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("command UUID %s already exists", uuid)
	}
	if err != nil {
		return fmt.Errorf("claiming command UUID %s: %w", uuid, err)
	}
	return f.Close()
}

// queuedCommand is one command file in a queue directory.
type queuedCommand struct {
	path    string
	name    string
	modTime time.Time
}

// listQueue returns the command files of a queue directory, leaving out
// report files and files being written. A missing directory is empty.
func listQueue(dir string) ([]queuedCommand, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cmds := make([]queuedCommand, 0, len(entries))
	for _, entry := range entries {
		name := entry.Name()
		if strings.HasPrefix(name, ".") || !strings.HasSuffix(name, commandExt) || strings.HasSuffix(name, resultExt) {
			continue
		}
		info, err := entry.Info()
		if errors.Is(err, os.ErrNotExist) {
			continue // answered or cleared since ReadDir
		}
		if err != nil {
			return nil, err
		}
		cmds = append(cmds, queuedCommand{path: filepath.Join(dir, name), name: name, modTime: info.ModTime()})
	}
	return cmds, nil
}

// RetrieveNextCommand returns the pending command of r.ID that was
// enqueued first, or nil when none is pending. Commands answered with
// NotNow keep their place unless skipNotNow is set, which passes them over.
//
// NOTE(parity): NanoMDM's file backend returns NotNow commands before the
// others and orders by UUID; it also mistakes NotNow report files for
// commands. Here commands come back in enqueue order, taken from the
// modification time each enqueue sets, with the file name breaking ties.
func (s *FileStorage) RetrieveNextCommand(r *mdm.Request, skipNotNow bool) (*mdm.Command, error) {
	dir, err := s.dir(r.ID)
	if err != nil {
		return nil, err
	}
	queues := []string{queuePending}
	if !skipNotNow {
		queues = append(queues, queueNotNow)
	}
	var cmds []queuedCommand
	for _, q := range queues {
		found, err := listQueue(filepath.Join(dir, q))
		if err != nil {
			return nil, fmt.Errorf("listing %s of %s: %w", q, r.ID, err)
		}
		cmds = append(cmds, found...)
	}
	slices.SortFunc(cmds, func(a, b queuedCommand) int {
		if c := a.modTime.Compare(b.modTime); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	for _, c := range cmds {
		raw, err := os.ReadFile(c.path)
		if errors.Is(err, os.ErrNotExist) {
			continue // answered or cleared since it was listed
		}
		if err != nil {
			return nil, fmt.Errorf("reading next command of %s: %w", r.ID, err)
		}
		cmd, err := mdm.DecodeCommand(raw)
		if err != nil {
			return nil, fmt.Errorf("decoding stored command %s: %w", c.path, err)
		}
		return cmd, nil
	}
	return nil, nil
}
