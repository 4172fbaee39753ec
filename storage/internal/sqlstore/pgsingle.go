package sqlstore

import (
	"context"
	"fmt"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// PostgreSQL runs the data-modifying statements of a WITH clause as parts
// of one statement. So there the two busiest writes of a command round
// trip take one statement and one commit each, instead of up to five
// round trips and three commits. MySQL and MariaDB have no such form, so
// they take the general path.

// qEnqueueSingle stores a command and queues it for one enrollment, only
// when the enrollment exists, and returns how many rows it queued: 1, or
// 0 for an unknown ID. The queue row's foreign key check finds the new
// command row, because PostgreSQL checks foreign keys at the end of the
// statement.
const qEnqueueSingle = `WITH e AS (
    SELECT id FROM enrollments WHERE id = $1
), c AS (
    INSERT INTO commands (command_uuid, request_type, command)
    SELECT $2, $3, $4 WHERE EXISTS (SELECT 1 FROM e)
    RETURNING command_uuid
), q AS (
    INSERT INTO enrollment_queue (id, command_uuid)
    SELECT e.id, c.command_uuid FROM e, c
    RETURNING id
)
SELECT COUNT(*) FROM q`

// qStoreFinalSingle is updateLastSeen, markAnswered and the result upsert
// of storeFinal in one statement. All parts read one snapshot taken before
// the statement, so marking checks the results as they were before this
// one is stored, the order storeFinal keeps. The result is only inserted
// when its command and enrollment exist, so a missing parent skips it
// instead of failing the statement. It returns how many queue rows it
// marked answered (0 or 1) and how many results it stored.
const qStoreFinalSingle = `WITH seen AS (
    UPDATE enrollments SET last_seen_at = CURRENT_TIMESTAMP WHERE id = $1
), marked AS (
    UPDATE enrollment_queue SET answered_at = CURRENT_TIMESTAMP
    WHERE id = $1 AND command_uuid = $2 AND active = TRUE AND answered_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM command_results AS r
            WHERE r.id = enrollment_queue.id AND r.command_uuid = enrollment_queue.command_uuid
                AND r.status != 'NotNow')
    RETURNING 1
), stored AS (
    INSERT INTO command_results
        (id, command_uuid, status, result, not_now_at, not_now_tally)
    SELECT $1, $2, $3, $4, NULL, 0
    WHERE EXISTS (SELECT 1 FROM commands WHERE command_uuid = $2)
        AND EXISTS (SELECT 1 FROM enrollments WHERE id = $1)
    ON CONFLICT (id, command_uuid) DO UPDATE SET
        status = EXCLUDED.status,
        result = EXCLUDED.result
    RETURNING 1
)
SELECT (SELECT COUNT(*) FROM marked), (SELECT COUNT(*) FROM stored)`

// singleStatements reports whether the store prepares the single-statement
// forms: on PostgreSQL with the answered_at column, which marking needs.
func singleStatements(flavor Flavor, f Features) bool {
	return flavor == PostgreSQL && f.AnsweredAt
}

// enqueueSingle is EnqueueCommand for one ID in one statement.
func (s *Store) enqueueSingle(ctx context.Context, id string, cmd *mdm.Command) (map[string]error, error) {
	var queued int
	err := s.retrying(ctx, "enqueuing command "+cmd.CommandUUID, func() error {
		err := s.st.enqueueSingle.QueryRowContext(ctx,
			id, cmd.CommandUUID, cmd.Command.RequestType, string(cmd.Raw.Raw)).Scan(&queued)
		if s.dialect.IsUniqueViolation(err) {
			return fmt.Errorf("command %s already exists: %w", cmd.CommandUUID, err)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if queued == 0 {
		return map[string]error{id: fmt.Errorf("enqueuing command %s for %s: %w",
			cmd.CommandUUID, id, storage.ErrEnrollmentNotFound)}, nil
	}
	return nil, nil
}

// storeFinalSingle is the last-seen update and storeFinal in one
// statement.
func (s *Store) storeFinalSingle(ctx context.Context, id string, report *mdm.CommandResults, raw string) error {
	var marked, stored int
	err := s.retrying(ctx, "storing "+report.Status+" report for command "+report.CommandUUID+" from "+id,
		func() error {
			return s.st.storeFinalSingle.QueryRowContext(ctx,
				id, report.CommandUUID, report.Status, raw).Scan(&marked, &stored)
		})
	if s.dialect.IsForeignKeyViolation(err) {
		// The command or enrollment went away after the existence checks;
		// the statement was rolled back as a whole.
		if err := s.updateLastSeen(ctx, id); err != nil {
			return err
		}
		return notQueuedError(id, report)
	}
	if err != nil {
		return err
	}
	if marked == 0 {
		return notQueuedError(id, report)
	}
	return nil
}

// UsesSingleStatements reports whether one-ID enqueues and final reports
// run as single statements, so tests can tell which path they cover.
func (s *Store) UsesSingleStatements() bool {
	return s.st.enqueueSingle != nil && s.st.storeFinalSingle != nil
}
