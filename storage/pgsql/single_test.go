package pgsql

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
	"github.com/mdmforge/nanomdm/storage/internal/sqltest"
)

// TestSingleStatementReports drives final reports through the
// one-statement path that a full schema enables, and checks each of its
// outcomes in the tables, last-seen time included.
func TestSingleStatementReports(t *testing.T) {
	db := scratchDatabase(t)
	sqltest.ExecAll(t, db, Schema)
	fx := sqltest.LoadFixture(t, db)
	s := open(t, db)
	if !s.UsesSingleStatements() {
		t.Fatal("got no single statements on the full schema, want both prepared")
	}
	ctx := context.Background()
	request := func() *mdm.Request {
		r := mdm.NewRequest(ctx, fx.Cert)
		r.EnrollID = &mdm.EnrollID{Type: mdm.Device, ID: fx.UDID}
		return r
	}
	report := func(uuid, status string) error {
		res, err := mdm.DecodeCommandResults([]byte(fx.ReportPlist("", uuid, status)))
		if err != nil {
			t.Fatal(err)
		}
		return s.StoreCommandReport(request(), res)
	}
	lastSeen := func() time.Time {
		var seen time.Time
		if err := db.QueryRow(`SELECT last_seen_at FROM enrollments WHERE id = $1`, fx.UDID).Scan(&seen); err != nil {
			t.Fatal(err)
		}
		return seen
	}
	status := func(uuid string) string {
		var st string
		err := db.QueryRow(`SELECT status FROM command_results WHERE id = $1 AND command_uuid = $2`,
			fx.UDID, uuid).Scan(&st)
		if err != nil {
			return "none: " + err.Error()
		}
		return st
	}
	resetSeen := func() {
		sqltest.ExecAll(t, db, `UPDATE enrollments SET last_seen_at = '2001-01-01' WHERE id = '`+fx.UDID+`'`)
	}

	tests := []struct {
		name       string
		uuid       string
		status     string
		wantErr    error
		wantStatus string
	}{
		{name: "pending command", uuid: fx.Pending, status: mdm.StatusAcknowledged, wantStatus: mdm.StatusAcknowledged},
		{name: "answered again", uuid: fx.Pending, status: mdm.StatusError, wantErr: storage.ErrCommandNotQueued, wantStatus: mdm.StatusError},
		{name: "unknown command", uuid: "no-such-command", status: mdm.StatusAcknowledged, wantErr: storage.ErrCommandNotQueued, wantStatus: "none: sql: no rows in result set"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resetSeen()
			err := report(tc.uuid, tc.status)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Errorf("got error %v, want %v", err, tc.wantErr)
			}
			if got := status(tc.uuid); got != tc.wantStatus {
				t.Errorf("got stored status %q, want %q", got, tc.wantStatus)
			}
			if seen := lastSeen(); seen.Year() < 2020 {
				t.Errorf("got last seen %v, want it updated", seen)
			}
		})
	}
}

// TestSingleStatementEnqueue checks the one-statement enqueue for a known
// ID, an unknown ID and a repeated command UUID.
func TestSingleStatementEnqueue(t *testing.T) {
	db := scratchDatabase(t)
	sqltest.ExecAll(t, db, Schema)
	fx := sqltest.LoadFixture(t, db)
	s := open(t, db)
	ctx := context.Background()
	enqueue := func(id, uuid string) (map[string]error, error) {
		cmd, err := mdm.DecodeCommand([]byte(sqltest.CommandPlist(uuid)))
		if err != nil {
			t.Fatal(err)
		}
		return s.EnqueueCommand(ctx, []string{id}, cmd)
	}
	countRows := func(query, arg string) int {
		var n int
		if err := db.QueryRow(query, arg).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	uuid := sqltest.RandomName("cmd-")
	if idErrs, err := enqueue(fx.UDID, uuid); err != nil || len(idErrs) != 0 {
		t.Fatalf("known ID: got %v %v, want no errors", idErrs, err)
	}
	if n := countRows(`SELECT COUNT(*) FROM enrollment_queue WHERE command_uuid = $1`, uuid); n != 1 {
		t.Errorf("known ID: got %d queue rows, want 1", n)
	}

	if _, err := enqueue(fx.UDID, uuid); err == nil {
		t.Error("repeated UUID: got no error, want one")
	}

	other := sqltest.RandomName("cmd-")
	idErrs, err := enqueue("no-such-device", other)
	if err != nil || !errors.Is(idErrs["no-such-device"], storage.ErrEnrollmentNotFound) {
		t.Errorf("unknown ID: got %v %v, want %v for the ID", idErrs, err, storage.ErrEnrollmentNotFound)
	}
	if n := countRows(`SELECT COUNT(*) FROM commands WHERE command_uuid = $1`, other); n != 0 {
		t.Errorf("unknown ID: got %d command rows, want 0", n)
	}
}
