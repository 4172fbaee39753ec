package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/micromdm/plist"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// StoreCommandReport updates the enrollment's last-seen time and, unless
// the status is Idle, records the report. NotNow keeps the command
// pending; any other status finishes it. A report for a command that is
// not pending for r.ID returns an error wrapping
// [storage.ErrCommandNotQueued]; a final status is then still stored when
// the command and the enrollment exist, and the queue is unchanged.
func (s *Store) StoreCommandReport(r *mdm.Request, report *mdm.CommandResults) error {
	ctx := requestContext(r)
	final := report.Status != mdm.StatusIdle && report.Status != mdm.StatusNotNow
	if final && s.st.storeFinalSingle != nil && !s.delete && report.CommandUUID != "" {
		// A report that cannot be converted takes the general path,
		// which updates the last-seen time before it fails.
		if raw, err := xmlReport(report.Raw.Raw); err == nil {
			return s.storeFinalSingle(ctx, r.ID, report, raw)
		}
	}
	if err := s.updateLastSeen(ctx, r.ID); err != nil {
		return err
	}
	if report.Status == mdm.StatusIdle {
		return nil
	}
	if report.CommandUUID == "" {
		return fmt.Errorf("storing %s report from %s: empty command UUID", report.Status, r.ID)
	}

	raw, err := xmlReport(report.Raw.Raw)
	if err != nil {
		return fmt.Errorf("storing %s report for command %s from %s: %w",
			report.Status, report.CommandUUID, r.ID, err)
	}
	switch {
	case report.Status == mdm.StatusNotNow:
		return s.storeNotNow(ctx, r.ID, report, raw)
	case s.delete:
		return s.deleteCommand(ctx, r.ID, report)
	default:
		return s.storeFinal(ctx, r.ID, report, raw)
	}
}

// xmlReport returns raw as an XML plist. Binary plists are converted, so
// that the schema's check that results start with "<?xml" holds.
func xmlReport(raw []byte) (string, error) {
	if !mdm.IsBinaryPlist(raw) {
		return string(raw), nil
	}
	// NOTE(parity): NanoMDM stores reports as sent, so MySQL rejects binary
	// plists through the CHECK on command_results.result.
	var v any
	if err := plist.Unmarshal(raw, &v); err != nil {
		return "", fmt.Errorf("decoding binary plist report: %w", err)
	}
	xml, err := plist.MarshalIndent(v, "\t")
	if err != nil {
		return "", fmt.Errorf("encoding report as XML plist: %w", err)
	}
	return string(xml), nil
}

// notQueuedError reports a command that is not pending for id.
func notQueuedError(id string, report *mdm.CommandResults) error {
	return fmt.Errorf("storing %s report for command %s from %s: %w",
		report.Status, report.CommandUUID, id, storage.ErrCommandNotQueued)
}

// storeNotNow records a NotNow for a pending command. A NotNow for a
// command that is not pending is not stored, because it would make an
// answered command pending again.
func (s *Store) storeNotNow(ctx context.Context, id string, report *mdm.CommandResults, raw string) error {
	pending, err := s.isPending(ctx, id, report.CommandUUID)
	if err != nil {
		return err
	}
	if !pending {
		return notQueuedError(id, report)
	}
	_, err = s.st.storeNotNow.ExecContext(ctx, id, report.CommandUUID, report.Status, raw)
	if err != nil {
		return fmt.Errorf("storing NotNow for command %s from %s: %w", report.CommandUUID, id, err)
	}
	return nil
}

// storeFinal marks the queue row answered and records a final status.
// The row is marked first because the result upsert overwrites what shows
// whether the command was still pending. Should the upsert then fail, the
// device sends the report again and it is stored.
func (s *Store) storeFinal(ctx context.Context, id string, report *mdm.CommandResults, raw string) error {
	pending, err := s.markAnswered(ctx, id, report.CommandUUID)
	if err != nil {
		return err
	}

	// NOTE(parity): NanoMDM fails with a foreign key error when the command
	// or the enrollment does not exist; here the report is skipped.
	_, err = s.st.storeResult.ExecContext(ctx, id, report.CommandUUID, report.Status, raw)
	if s.dialect.IsForeignKeyViolation(err) {
		return notQueuedError(id, report)
	}
	if err != nil {
		return fmt.Errorf("storing %s report for command %s from %s: %w",
			report.Status, report.CommandUUID, id, err)
	}
	if !pending {
		return notQueuedError(id, report)
	}
	return nil
}

// markAnswered sets answered_at on the queue row of a pending command and
// reports whether there was one. Without the column it only checks.
func (s *Store) markAnswered(ctx context.Context, id, uuid string) (bool, error) {
	if !s.features.AnsweredAt {
		return s.isPending(ctx, id, uuid)
	}
	res, err := s.st.markAnswered.ExecContext(ctx, id, uuid)
	if err != nil {
		return false, fmt.Errorf("marking command %s answered for %s: %w", uuid, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("marking command %s answered for %s: %w", uuid, id, err)
	}
	return n > 0, nil
}

// isPending reports whether command uuid waits for a final report from id.
func (s *Store) isPending(ctx context.Context, id, uuid string) (bool, error) {
	var n int
	if err := s.st.isPending.QueryRowContext(ctx, id, uuid).Scan(&n); err != nil {
		return false, fmt.Errorf("checking whether command %s is queued for %s: %w", uuid, id, err)
	}
	return n > 0, nil
}

// RetrieveNextCommand returns the first pending command of r.ID in enqueue
// order, or nil when none is pending. With skipNotNow, commands whose
// latest report is NotNow are passed over.
func (s *Store) RetrieveNextCommand(r *mdm.Request, skipNotNow bool) (*mdm.Command, error) {
	stmt := s.st.nextCommand
	if skipNotNow {
		stmt = s.st.nextCommandSkipNotNow
	}
	cmd := &mdm.Command{}
	err := stmt.QueryRowContext(requestContext(r), r.ID).
		Scan(&cmd.CommandUUID, &cmd.Command.RequestType, &cmd.Raw.Raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("retrieving next command for %s: %w", r.ID, err)
	}
	return cmd, nil
}

// ClearQueue deactivates every pending command of a device channel and of
// its user channels, or of one user channel. Answered commands keep their
// rows unchanged.
func (s *Store) ClearQueue(r *mdm.Request) error {
	// NOTE(parity): NanoMDM's SQL backends reject a user channel, and its
	// PostgreSQL backend also deactivates answered commands.
	stmt := s.st.clearDevice
	if r.Type.IsUserChannel() {
		stmt = s.st.clearUser
	}
	if _, err := stmt.ExecContext(requestContext(r), r.ID); err != nil {
		return fmt.Errorf("clearing queue of %s: %w", r.ID, err)
	}
	return nil
}

// deleteCommand is the delete option's final report: it removes the queue
// row and any NotNow result of id for the command, then the command when
// no enrollment refers to it any more. The result is not stored.
func (s *Store) deleteCommand(ctx context.Context, id string, report *mdm.CommandResults) error {
	var deleted bool
	what := fmt.Sprintf("deleting command %s for %s", report.CommandUUID, id)
	err := s.inTx(ctx, what, func(tx *sql.Tx) error {
		var err error
		deleted, err = s.deleteCommandTx(ctx, tx, id, report.CommandUUID)
		return err
	})
	if err != nil {
		return err
	}
	if !deleted {
		return notQueuedError(id, report)
	}
	return nil
}

// deleteCommandTx runs the deletes of deleteCommand in tx and reports
// whether the command was pending for id. A row that is not pending, such
// as a cleared one, is deleted too, as NanoMDM does.
func (s *Store) deleteCommandTx(ctx context.Context, tx *sql.Tx, id, uuid string) (bool, error) {
	// Locking the command row serializes enrollments that finish the same
	// command, so the last one finds that nothing refers to it any more.
	var locked string
	err := tx.QueryRowContext(ctx, s.text.lockCommand, uuid).Scan(&locked)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}

	var pending int
	if err := tx.StmtContext(ctx, s.st.isPending).QueryRowContext(ctx, id, uuid).Scan(&pending); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, s.text.deleteQueued, id, uuid); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, s.text.deleteResult, id, uuid); err != nil {
		return false, err
	}
	_, err = tx.ExecContext(ctx, s.text.deleteUnusedCommand, uuid, uuid, uuid)
	return pending > 0, err
}
