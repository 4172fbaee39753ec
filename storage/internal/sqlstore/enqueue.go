package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// EnqueueCommand stores cmd and queues it for every ID that has an
// enrollment, in one transaction written in batches, so any number of IDs
// works. Each ID without an enrollment gets [storage.ErrEnrollmentNotFound]
// in the returned map; when no ID has one, nothing is stored. IDs match
// exactly, even where the database compares without regard to case.
// Repeated IDs are queued once. A CommandUUID that already exists is a
// global error.
//
// NOTE(parity): NanoMDM queues every ID in one statement, which fails once
// the IDs need more placeholders than the database allows in one statement
// (65,535 on both MySQL and PostgreSQL).
func (s *Store) EnqueueCommand(ctx context.Context, ids []string, cmd *mdm.Command) (map[string]error, error) {
	if len(ids) == 0 {
		return nil, errors.New("no id(s) supplied to queue command to")
	}
	if cmd == nil {
		return nil, errors.New("enqueuing command: nil command")
	}
	ids = uniqueIDs(ids)
	if len(ids) == 1 && s.st.enqueueSingle != nil {
		return s.enqueueSingle(ctx, ids[0], cmd)
	}

	known, err := s.knownIDs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("enqueuing command %s: %w", cmd.CommandUUID, err)
	}
	// NOTE(parity): NanoMDM's SQL backends fail the whole call on the
	// foreign key when any ID has no enrollment.
	var unknown map[string]error
	queue := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, ok := known[id]; ok {
			queue = append(queue, id)
			continue
		}
		if unknown == nil {
			unknown = make(map[string]error)
		}
		unknown[id] = fmt.Errorf("enqueuing command %s for %s: %w",
			cmd.CommandUUID, id, storage.ErrEnrollmentNotFound)
	}
	if len(queue) == 0 {
		return unknown, nil
	}

	if err := s.enqueueTx(ctx, queue, cmd); err != nil {
		return nil, err
	}
	return unknown, nil
}

// enqueueTx inserts the command and its queue rows in one transaction,
// run again when the server aborts it to break a deadlock.
func (s *Store) enqueueTx(ctx context.Context, ids []string, cmd *mdm.Command) error {
	return s.inTx(ctx, "enqueuing command "+cmd.CommandUUID, func(tx *sql.Tx) error {
		_, err := tx.StmtContext(ctx, s.st.insertCommand).ExecContext(ctx,
			cmd.CommandUUID, cmd.Command.RequestType, string(cmd.Raw.Raw))
		if s.dialect.IsUniqueViolation(err) {
			return fmt.Errorf("command %s already exists: %w", cmd.CommandUUID, err)
		}
		if err != nil {
			return err
		}
		for batch := range batches(ids) {
			if err := s.enqueueBatch(ctx, tx, batch, cmd.CommandUUID); err != nil {
				return err
			}
		}
		return nil
	})
}

// enqueueBatch inserts the queue rows of one batch of IDs in tx.
func (s *Store) enqueueBatch(ctx context.Context, tx *sql.Tx, batch []string, uuid string) error {
	args := make([]any, 0, 2*len(batch))
	for _, id := range batch {
		args = append(args, id, uuid)
	}
	var err error
	switch len(batch) {
	case 1:
		_, err = tx.StmtContext(ctx, s.st.enqueueOne).ExecContext(ctx, args...)
	case batchSize:
		_, err = tx.ExecContext(ctx, s.text.enqueue, args...)
	default:
		query := s.dialect.Flavor.translate(qEnqueue + tuples("(?, ?)", len(batch)))
		_, err = tx.ExecContext(ctx, query, args...)
	}
	return err
}

// knownIDs returns the IDs of ids that have an enrollment, compared
// exactly.
func (s *Store) knownIDs(ctx context.Context, ids []string) (map[string]struct{}, error) {
	want := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		want[id] = struct{}{}
	}
	known := make(map[string]struct{}, len(ids))
	err := s.queryBatches(ctx, ids, s.st.knownID, s.text.knownIDs, qKnownIDs,
		func(rows *sql.Rows) error {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			if _, ok := want[id]; ok {
				known[id] = struct{}{}
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("looking up enrollments: %w", err)
	}
	return known, nil
}

// queryBatches runs a query with an IN list over ids, batchSize at a time,
// and calls scan for each row. one is the prepared query for one ID and
// full the translated query for a full batch; format has one %s for the IN
// list of other sizes.
func (s *Store) queryBatches(ctx context.Context, ids []string, one *sql.Stmt, full, format string, scan func(*sql.Rows) error) error {
	for batch := range batches(ids) {
		args := make([]any, len(batch))
		for i, id := range batch {
			args[i] = id
		}
		var rows *sql.Rows
		var err error
		switch len(batch) {
		case 1:
			rows, err = one.QueryContext(ctx, args...)
		case batchSize:
			rows, err = s.db.QueryContext(ctx, full, args...)
		default:
			query := s.dialect.Flavor.translate(fmt.Sprintf(format, tuples("?", len(batch))))
			rows, err = s.db.QueryContext(ctx, query, args...)
		}
		if err != nil {
			return err
		}
		if err := scanRows(rows, scan); err != nil {
			return err
		}
	}
	return nil
}

// queryRows runs query and calls scan for each row.
func queryRows(ctx context.Context, db *sql.DB, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	return scanRows(rows, scan)
}

// scanRows calls scan for each row and closes rows.
func scanRows(rows *sql.Rows, scan func(*sql.Rows) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// batches yields ids in slices of at most batchSize.
func batches(ids []string) func(yield func([]string) bool) {
	return func(yield func([]string) bool) {
		for start := 0; start < len(ids); start += batchSize {
			if !yield(ids[start:min(start+batchSize, len(ids))]) {
				return
			}
		}
	}
}

// uniqueIDs returns ids without repeats, in their first order.
func uniqueIDs(ids []string) []string {
	seen := make(map[string]struct{}, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, ok := seen[id]; !ok {
			seen[id] = struct{}{}
			out = append(out, id)
		}
	}
	return out
}
