package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/mdmforge/nanomdm/log"
)

// Retries of transactions the server aborted to break a deadlock.
const (
	// maxTxAttempts bounds how often [Store.inTx] runs one transaction.
	maxTxAttempts = 4

	// retryPause is the longest wait before the second attempt, and
	// each later attempt may wait that much longer again. The wait is
	// random, so the transactions that deadlocked do not meet again in
	// step.
	retryPause = 20 * time.Millisecond
)

// inTx runs fn in a transaction and commits it. When the server aborts
// the transaction to break a deadlock, as InnoDB does when two sessions
// insert into a gap both of them locked, it runs the whole transaction
// again, up to maxTxAttempts times in all. what names the work for the
// log and for errors, which wrap the last attempt's error.
func (s *Store) inTx(ctx context.Context, what string, fn func(*sql.Tx) error) error {
	return s.retrying(ctx, what, func() error { return s.runTx(ctx, fn) })
}

// retrying calls run, and again when the server aborted its work to break
// a deadlock, as inTx describes.
func (s *Store) retrying(ctx context.Context, what string, run func() error) error {
	for attempt := 1; ; attempt++ {
		err := run()
		if err == nil {
			return nil
		}
		if attempt == maxTxAttempts || s.dialect.IsRetryable == nil || !s.dialect.IsRetryable(err) {
			return fmt.Errorf("%s: %w", what, err)
		}
		s.logger.Debug("retrying transaction", "attempt", attempt+1, log.KeyErr, fmt.Errorf("%s: %w", what, err))

		pause := time.Duration(rand.Int64N(int64(attempt) * int64(retryPause)))
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, err)
		case <-time.After(pause):
		}
	}
}

// runTx runs fn in one transaction and commits it, or rolls it back when
// fn fails.
func (s *Store) runTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return rollback(tx, err)
	}
	return tx.Commit()
}
