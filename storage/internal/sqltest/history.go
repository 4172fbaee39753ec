package sqltest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// historyBatch is how many rows one INSERT of FillHistory writes.
const historyBatch = 1000

// FillHistory adds n answered commands to the queue of id, numbered from
// first, with created_at before every fixture command, so a query that
// reads answered rows reads all of them before it finds a pending one.
// With answered set the rows carry answered_at, as this server writes
// them; without it they look as NanoMDM writes them.
func FillHistory(tb testing.TB, db *sql.DB, id string, first, n int, answered bool) {
	tb.Helper()
	answeredCol, answeredVal := "", ""
	if answered {
		answeredCol, answeredVal = ", answered_at", ", CURRENT_TIMESTAMP"
	}
	for start := first; start < first+n; start += historyBatch {
		end := min(start+historyBatch, first+n)
		var commands, queue, results []string
		for i := start; i < end; i++ {
			uuid := fmt.Sprintf("history-%s-%07d", id, i)
			commands = append(commands, fmt.Sprintf("('%s', 'ProfileList', '%s')", uuid, CommandPlist(uuid)))
			queue = append(queue, fmt.Sprintf("('%s', '%s', '2023-01-01 00:00:00'%s)", id, uuid, answeredVal))
			results = append(results, fmt.Sprintf("('%s', '%s', 'Acknowledged', '<?xml version=\"1.0\"?><plist/>')", id, uuid))
		}
		ExecAll(tb, db,
			"INSERT INTO commands (command_uuid, request_type, command) VALUES "+strings.Join(commands, ", "),
			"INSERT INTO enrollment_queue (id, command_uuid, created_at"+answeredCol+") VALUES "+strings.Join(queue, ", "),
			"INSERT INTO command_results (id, command_uuid, status, result) VALUES "+strings.Join(results, ", "))
	}
}

// CheckPlan fills a history for the fixture device, refreshes the
// planner's statistics with analyze, and checks that the next-command
// query reads the pending-queue index and still returns the right command.
func CheckPlan(t *testing.T, db *sql.DB, s storage.AllStorage, query string, b Backend, analyze string) {
	fx := LoadFixture(t, db)
	FillHistory(t, db, fx.UDID, 0, 5000, true)
	ExecAll(t, db, analyze)

	plan, err := b.Explain(context.Background(), db, query, fx.UDID)
	if err != nil {
		t.Fatalf("explaining the next-command query: %v", err)
	}
	if !strings.Contains(plan, "idx_queue_pending") {
		t.Errorf("next-command plan does not use idx_queue_pending:\n%s", plan)
	}

	d := &driver{t: t, s: s, fx: fx}
	d.wantNext(false, fx.Pending)
}

// Reconnect checks that s recovers after the server drops its
// connections: calls may fail until the pool has new connections, but
// nothing panics and within a few calls every method works again.
func Reconnect(t *testing.T, s storage.AllStorage, kill func() error) {
	ctx := context.Background()
	r := mdm.NewRequest(ctx, nil)
	r.EnrollID = &mdm.EnrollID{Type: mdm.Device, ID: randomUDID()}
	calls := func() error {
		if _, err := s.RetrieveTokenUpdateTally(ctx, r.ID); err != nil {
			return err
		}
		if _, err := s.RetrieveNextCommand(r, false); err != nil {
			return err
		}
		_, err := s.RetrievePushInfo(ctx, []string{r.ID})
		return err
	}
	if err := calls(); err != nil {
		t.Fatalf("calls before the connections are dropped: %v", err)
	}

	for round := range 3 {
		if err := kill(); err != nil {
			t.Fatalf("dropping connections: %v", err)
		}
		var err error
		for range 10 {
			if err = calls(); err == nil {
				break
			}
			t.Logf("round %d: call after the connections were dropped: %v", round, err)
		}
		if err != nil {
			t.Fatalf("round %d: calls still fail after 10 tries: %v", round, err)
		}
	}
}
