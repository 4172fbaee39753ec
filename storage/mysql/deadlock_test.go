package mysql

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage/internal/sqltest"
)

func TestAssociateCertHashRetriesDeadlock(t *testing.T) {
	db := scratchDatabase(t)
	sqltest.ExecAll(t, db, splitStatements(Schema)...)
	// The store logs from its own goroutine; logs is read after errc.
	var logs bytes.Buffer
	s := open(t, db, WithLogger(log.New(&logs, true)))
	ctx := t.Context()

	// The blocking session locks the gap of a missing binding, as
	// AssociateCertHash does, after changing more rows than
	// AssociateCertHash will, so that InnoDB picks the store's lighter
	// transaction as the deadlock victim.
	blocker, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback()
	for i := range 5 {
		uuid := fmt.Sprintf("deadlock-weight-%d", i)
		execTx(t, blocker, "INSERT INTO commands (command_uuid, request_type, command) VALUES (?, 'ProfileList', ?)",
			uuid, sqltest.CommandPlist(uuid))
	}
	blockerHash := strings.Repeat("a", 64)
	execTx(t, blocker, "DELETE FROM cert_auth_associations WHERE id = ? AND sha256 = ?", "blocker", blockerHash)

	r := mdm.NewRequest(ctx, nil)
	r.EnrollID = &mdm.EnrollID{Type: mdm.Device, ID: "device"}
	hash := strings.Repeat("b", 64)
	errc := make(chan error, 1)
	go func() { errc <- s.AssociateCertHash(r, hash) }()

	// The store's insert waits for the blocker's gap lock, and the
	// blocker's insert for the store's, which InnoDB reports as a
	// deadlock.
	waitForAssociation(t, db)
	execTx(t, blocker, "INSERT INTO cert_auth_associations (id, sha256) VALUES (?, ?)", "blocker", blockerHash)
	if err := blocker.Rollback(); err != nil {
		t.Fatal(err)
	}

	if err := <-errc; err != nil {
		t.Fatalf("AssociateCertHash: got error %v, want the deadlock retried", err)
	}
	if !strings.Contains(logs.String(), "retrying transaction") {
		t.Errorf("got log %q, want a retrying transaction line", logs.String())
	}
	ok, err := s.IsCertHashAssociated(r, hash)
	if err != nil || !ok {
		t.Errorf("IsCertHashAssociated after the retry: got %v, %v; want true, nil", ok, err)
	}
}

// execTx runs a statement in tx or fails the test.
func execTx(t *testing.T, tx *sql.Tx, query string, args ...any) {
	t.Helper()
	if _, err := tx.ExecContext(t.Context(), query, args...); err != nil {
		t.Fatalf("running %q: %v", query, err)
	}
}

// waitForAssociation waits up to ten seconds for another session to run
// the insert of AssociateCertHash.
func waitForAssociation(t *testing.T, db *sql.DB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for {
		var n int
		err := db.QueryRowContext(ctx,
			"SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE 'INSERT INTO cert_auth_associations%' AND id <> CONNECTION_ID()").Scan(&n)
		if err != nil {
			t.Fatalf("reading the server's process list: %v", err)
		}
		if n > 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("no session inserts into cert_auth_associations after 10s")
		case <-time.After(10 * time.Millisecond):
		}
	}
}
