package file

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// StoreCommandReport records a command report. Idle stores nothing. A
// NotNow report moves the command to QueueNotNow, where it stays pending;
// any other status moves it to QueueDone for good. Each writes the report
// next to the command. A report for a command that is not pending for
// r.ID returns an error wrapping [storage.ErrCommandNotQueued] and leaves
// the queue as it was.
func (s *FileStorage) StoreCommandReport(r *mdm.Request, report *mdm.CommandResults) error {
	if report.Status == mdm.StatusIdle {
		return nil
	}
	dir, err := s.dir(r.ID)
	if err != nil {
		return err
	}
	if err := checkCommandUUID(report.CommandUUID); err != nil {
		return fmt.Errorf("storing report from %s: %w", r.ID, err)
	}
	dest := queueDone
	if report.Status == mdm.StatusNotNow {
		dest = queueNotNow
	}
	src, err := pendingQueue(dir, report.CommandUUID)
	if err != nil {
		return fmt.Errorf("finding command %s of %s: %w", report.CommandUUID, r.ID, err)
	}
	if src == "" {
		return s.storeLateReport(r.ID, dir, report)
	}
	if err := moveReported(dir, src, dest, report); err != nil {
		return fmt.Errorf("storing report for command %s of %s: %w", report.CommandUUID, r.ID, err)
	}
	return nil
}

// pendingQueue returns the queue directory name that holds uuid as a
// pending command, or "" when neither pending queue does.
func pendingQueue(dir, uuid string) (string, error) {
	for _, q := range []string{queuePending, queueNotNow} {
		found, err := exists(filepath.Join(dir, q, uuid+commandExt))
		if err != nil || found {
			return q, err
		}
	}
	return "", nil
}

// moveReported moves the command from src to dest and writes the report
// next to it there.
func moveReported(dir, src, dest string, report *mdm.CommandResults) error {
	uuid := report.CommandUUID
	if src != dest {
		if err := os.MkdirAll(filepath.Join(dir, dest), 0o755); err != nil {
			return err
		}
		// The rename keeps the file's modification time, so a NotNow
		// command keeps its place in enqueue order.
		err := os.Rename(filepath.Join(dir, src, uuid+commandExt), filepath.Join(dir, dest, uuid+commandExt))
		if errors.Is(err, os.ErrNotExist) {
			// Another report for the same command moved it first.
			return storage.ErrCommandNotQueued
		}
		if err != nil {
			return err
		}
	}
	if src == queueNotNow && dest != queueNotNow {
		if err := removeFile(filepath.Join(dir, src, uuid+resultExt)); err != nil {
			return err
		}
	}
	return writeFile(filepath.Join(dir, dest, uuid+resultExt), report.Raw.Raw, 0o644, time.Time{})
}

// storeLateReport handles a report for a command that is not pending:
// a final status is written next to the command when it was answered or
// cleared before, and the queue is left alone.
//
// NOTE(parity): NanoMDM's file backend fails such a report with a
// file-not-found error. Here it is kept where the command is and reported
// as ErrCommandNotQueued, so the caller can carry on.
func (s *FileStorage) storeLateReport(id, dir string, report *mdm.CommandResults) error {
	uuid := report.CommandUUID
	if report.Status != mdm.StatusNotNow {
		for _, q := range []string{queueDone, queueInactive} {
			found, err := exists(filepath.Join(dir, q, uuid+commandExt))
			if err != nil {
				return fmt.Errorf("finding command %s of %s: %w", uuid, id, err)
			}
			if !found {
				continue
			}
			if err := writeFile(filepath.Join(dir, q, uuid+resultExt), report.Raw.Raw, 0o644, time.Time{}); err != nil {
				return fmt.Errorf("storing report for command %s of %s: %w", uuid, id, err)
			}
			break
		}
	}
	return fmt.Errorf("report %s for command %s of %s: %w", report.Status, uuid, id, storage.ErrCommandNotQueued)
}

// ClearQueue moves every pending command of r.ID, and of each user
// channel of a device channel, to QueueInactive, so none is delivered
// again.
func (s *FileStorage) ClearQueue(r *mdm.Request) error {
	ids, err := s.channelIDs(r)
	if err != nil {
		return err
	}
	for _, id := range ids {
		dir := filepath.Join(s.root, id)
		for _, q := range []string{queuePending, queueNotNow} {
			if err := moveAll(filepath.Join(dir, q), filepath.Join(dir, queueInactive)); err != nil {
				return fmt.Errorf("clearing %s of %s: %w", q, id, err)
			}
		}
	}
	return nil
}

// moveAll moves every command and report file from src to dest.
func moveAll(src, dest string) error {
	entries, err := os.ReadDir(src)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return err
	}
	for _, entry := range entries {
		name := entry.Name()
		if strings.HasPrefix(name, ".") || !strings.HasSuffix(name, commandExt) {
			continue
		}
		err := os.Rename(filepath.Join(src, name), filepath.Join(dest, name))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}
