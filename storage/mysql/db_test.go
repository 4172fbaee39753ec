package mysql

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/storage/internal/sqltest"
)

// backendTests is what the shared database tests need from this backend.
var backendTests = sqltest.Backend{
	Downgrade: []string{
		`ALTER TABLE enrollment_queue DROP INDEX idx_queue_pending,
			DROP COLUMN enqueue_order, DROP COLUMN answered_at`,
		`ALTER TABLE cert_auth_associations DROP COLUMN association_order`,
	},
	Upgrade: splitStatements(Upgrade),
	KillConnections: func(ctx context.Context, admin *sql.DB, name string) error {
		rows, err := admin.QueryContext(ctx, `SELECT id FROM information_schema.processlist
WHERE db = ? AND id != CONNECTION_ID()`, name)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return errors.New("no connections to " + name)
		}
		for _, id := range ids {
			if _, err := admin.ExecContext(ctx, "KILL "+id); err != nil {
				return err
			}
		}
		return nil
	},
	Explain: func(ctx context.Context, db *sql.DB, query, arg string) (string, error) {
		rows, err := db.QueryContext(ctx, "EXPLAIN "+query, arg)
		if err != nil {
			return "", err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var out strings.Builder
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return "", err
			}
			for i, v := range vals {
				out.WriteString(cols[i] + "=" + v.String + " ")
			}
			out.WriteString("\n")
		}
		return out.String(), rows.Err()
	},
}

// testConfig returns the driver configuration of the test DSN, or skips t.
func testConfig(t testing.TB) *mysql.Config {
	t.Helper()
	dsn := os.Getenv("NANOMDM_TEST_MYSQL_DSN")
	if dsn == "" {
		t.Skip("NANOMDM_TEST_MYSQL_DSN not set")
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("parsing NANOMDM_TEST_MYSQL_DSN: %v", err)
	}
	return cfg
}

// openDB opens cfg and closes it when t ends.
func openDB(t testing.TB, cfg *mysql.Config) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", cfg.FormatDSN())
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
	cfg := testConfig(t)
	name = sqltest.RandomName("nanomdm_test_scratch_")
	adminDB = openDB(t, cfg)
	sqltest.ExecAll(t, adminDB, "CREATE DATABASE "+name)
	t.Cleanup(func() {
		if _, err := adminDB.Exec("DROP DATABASE " + name); err != nil {
			t.Errorf("dropping %s: %v", name, err)
		}
	})
	scratch := cfg.Clone()
	scratch.DBName = name
	return openDB(t, scratch), name, adminDB
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
	sqltest.ExecAll(t, db, splitStatements(Schema)...)
	sqltest.ExecAll(t, db, backendTests.Downgrade...)
	fx := sqltest.LoadFixture(t, db)

	var logs bytes.Buffer
	s := open(t, db, WithLogger(log.New(&logs, false)))
	if got := strings.Count(logs.String(), "schema addition missing"); got != 3 {
		t.Errorf("start-up warnings: got %d, want 3 for the missing columns:\n%s", got, &logs)
	}
	sqltest.DriveFixture(t, s, fx)

	sqltest.ExecAll(t, db, backendTests.Upgrade...)
	logs.Reset()
	s = open(t, db, WithLogger(log.New(&logs, false)))
	if strings.Contains(logs.String(), "schema addition missing") {
		t.Errorf("start-up warnings after upgrade.sql: got\n%s\nwant none", &logs)
	}
	var answered sql.NullString
	err := db.QueryRow(`SELECT answered_at FROM enrollment_queue WHERE id = ? AND command_uuid = ?`,
		fx.UDID, fx.Answered).Scan(&answered)
	if err != nil || !answered.Valid {
		t.Errorf("answered_at of a command answered before the upgrade: got %v, %v, want a time", answered, err)
	}
	sqltest.DriveFixture(t, s, sqltest.LoadFixture(t, db))
}

func TestReconnect(t *testing.T) {
	// A database of its own, so that only this test's connections drop.
	db, name, admin := scratchDatabaseNamed(t)
	sqltest.ExecAll(t, db, splitStatements(Schema)...)
	s := open(t, db)
	sqltest.Reconnect(t, s, func() error {
		return backendTests.KillConnections(context.Background(), admin, name)
	})
}

func TestNextCommandPlan(t *testing.T) {
	db := scratchDatabase(t)
	sqltest.ExecAll(t, db, splitStatements(Schema)...)
	s := open(t, db)
	sqltest.CheckPlan(t, db, s, s.NextCommandQuery(false), backendTests,
		"ANALYZE TABLE enrollment_queue, command_results, commands")
}

// BenchmarkRetrieveNextCommand fills a history of up to a million answered
// commands for one device on a fresh database and measures finding its
// pending command, with this server's schema and with NanoMDM's.
func BenchmarkRetrieveNextCommand(b *testing.B) {
	const analyze = "ANALYZE TABLE enrollment_queue, command_results, commands"
	b.Run("schema=ours", func(b *testing.B) {
		db := scratchDatabase(b)
		sqltest.ExecAll(b, db, splitStatements(Schema)...)
		sqltest.BenchmarkNextCommand(b, db, open(b, db), true, 1000000, analyze)
	})
	b.Run("schema=nanomdm", func(b *testing.B) {
		db := scratchDatabase(b)
		sqltest.ExecAll(b, db, splitStatements(Schema)...)
		sqltest.ExecAll(b, db, backendTests.Downgrade...)
		sqltest.BenchmarkNextCommand(b, db, open(b, db), false, 100000, analyze)
	})
}

// BenchmarkCommandCycle measures enqueue, Idle with the next command, and
// Acknowledged with an empty queue, on a fresh database.
func BenchmarkCommandCycle(b *testing.B) {
	db := scratchDatabase(b)
	sqltest.ExecAll(b, db, splitStatements(Schema)...)
	sqltest.BenchmarkCommandCycle(b, db, open(b, db))
}
