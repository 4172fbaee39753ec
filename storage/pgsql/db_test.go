package pgsql

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/storage/internal/sqltest"
)

// backendTests is what the shared database tests need from this backend.
var backendTests = sqltest.Backend{
	Downgrade: []string{
		`DROP INDEX idx_queue_pending, idx_enrollments_device_id, idx_results_command_uuid,
    idx_queue_command_uuid, idx_sha256`,
		`ALTER TABLE enrollment_queue DROP COLUMN enqueue_order, DROP COLUMN answered_at`,
		`ALTER TABLE cert_auth_associations DROP COLUMN association_order`,
	},
	Upgrade: []string{Upgrade},
	KillConnections: func(ctx context.Context, admin *sql.DB, name string) error {
		var n int
		err := admin.QueryRowContext(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = $1 AND pid != pg_backend_pid()`, name).Scan(&n)
		if err == nil && n == 0 {
			err = errors.New("no connections to " + name)
		}
		return err
	},
	Explain: func(ctx context.Context, db *sql.DB, query, arg string) (string, error) {
		rows, err := db.QueryContext(ctx, "EXPLAIN "+query, arg)
		if err != nil {
			return "", err
		}
		defer rows.Close()
		var out strings.Builder
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return "", err
			}
			out.WriteString(line + "\n")
		}
		return out.String(), rows.Err()
	},
}

// testURL returns the test DSN as a URL, or skips t.
func testURL(t testing.TB) *url.URL {
	t.Helper()
	dsn := os.Getenv("NANOMDM_TEST_PGSQL_DSN")
	if dsn == "" {
		t.Skip("NANOMDM_TEST_PGSQL_DSN not set")
	}
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		t.Skipf("NANOMDM_TEST_PGSQL_DSN is not a URL, which these tests need: %v", err)
	}
	return u
}

// openDB opens u and closes it when t ends.
func openDB(t testing.TB, u *url.URL) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// scratchDatabase creates an empty database on the test server, drops it
// when t ends, and returns a connection to it.
func scratchDatabase(t testing.TB) *sql.DB {
	t.Helper()
	db, _, _ := scratchDatabaseNamed(t)
	return db
}

// scratchDatabaseNamed is scratchDatabase that also returns the database
// name and a connection to the test database.
func scratchDatabaseNamed(t testing.TB) (db *sql.DB, name string, adminDB *sql.DB) {
	t.Helper()
	u := testURL(t)
	name = sqltest.RandomName("nanomdm_test_scratch_")
	adminDB = openDB(t, u)
	sqltest.ExecAll(t, adminDB, "CREATE DATABASE "+name)
	scratch := *u
	scratch.Path = "/" + name
	db = openDB(t, &scratch)
	t.Cleanup(func() {
		db.Close()
		if _, err := adminDB.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("dropping %s: %v", name, err)
		}
	})
	return db, name, adminDB
}

// open returns the backend on db, closed when t ends.
func open(t testing.TB, db *sql.DB, opts ...Option) *Storage {
	t.Helper()
	s, err := New(append([]Option{WithDB(db)}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestNanoMDMDatabase(t *testing.T) {
	db := scratchDatabase(t)
	sqltest.ExecAll(t, db, Schema)
	sqltest.ExecAll(t, db, backendTests.Downgrade...)
	fx := sqltest.LoadFixture(t, db)

	var logs bytes.Buffer
	s := open(t, db, WithLogger(log.New(&logs, false)))
	if got := strings.Count(logs.String(), "schema addition missing"); got != 7 {
		t.Errorf("start-up warnings: got %d, want 7 for the missing columns and indexes:\n%s", got, &logs)
	}
	sqltest.DriveFixture(t, s, fx)

	sqltest.ExecAll(t, db, backendTests.Upgrade...)
	sqltest.ExecAll(t, db, backendTests.Upgrade...)
	logs.Reset()
	s = open(t, db, WithLogger(log.New(&logs, false)))
	if strings.Contains(logs.String(), "schema addition missing") {
		t.Errorf("start-up warnings after upgrade.sql: got\n%s\nwant none", &logs)
	}
	var answered sql.NullString
	err := db.QueryRow(`SELECT answered_at FROM enrollment_queue WHERE id = $1 AND command_uuid = $2`,
		fx.UDID, fx.Answered).Scan(&answered)
	if err != nil || !answered.Valid {
		t.Errorf("answered_at of a command answered before the upgrade: got %v, %v, want a time", answered, err)
	}
	sqltest.DriveFixture(t, s, sqltest.LoadFixture(t, db))
}

func TestReconnect(t *testing.T) {
	// A database of its own, so that only this test's connections drop.
	db, name, admin := scratchDatabaseNamed(t)
	sqltest.ExecAll(t, db, Schema)
	s := open(t, db)
	sqltest.Reconnect(t, s, func() error {
		return backendTests.KillConnections(context.Background(), admin, name)
	})
}

func TestNextCommandPlan(t *testing.T) {
	db := scratchDatabase(t)
	sqltest.ExecAll(t, db, Schema)
	s := open(t, db)
	sqltest.CheckPlan(t, db, s, s.NextCommandQuery(false), backendTests,
		"ANALYZE enrollment_queue, command_results, commands")
}

// BenchmarkRetrieveNextCommand fills a history of up to a million answered
// commands for one device on a fresh database and measures finding its
// pending command, with this server's schema and with NanoMDM's.
func BenchmarkRetrieveNextCommand(b *testing.B) {
	const analyze = "ANALYZE enrollment_queue, command_results, commands"
	b.Run("schema=ours", func(b *testing.B) {
		db := scratchDatabase(b)
		sqltest.ExecAll(b, db, Schema)
		sqltest.BenchmarkNextCommand(b, db, open(b, db), true, 1000000, analyze)
	})
	b.Run("schema=nanomdm", func(b *testing.B) {
		db := scratchDatabase(b)
		sqltest.ExecAll(b, db, Schema)
		sqltest.ExecAll(b, db, backendTests.Downgrade...)
		sqltest.BenchmarkNextCommand(b, db, open(b, db), false, 100000, analyze)
	})
}

// BenchmarkCommandCycle measures enqueue, Idle with the next command, and
// Acknowledged with an empty queue, on a fresh database.
func BenchmarkCommandCycle(b *testing.B) {
	db := scratchDatabase(b)
	sqltest.ExecAll(b, db, Schema)
	sqltest.BenchmarkCommandCycle(b, db, open(b, db))
}
