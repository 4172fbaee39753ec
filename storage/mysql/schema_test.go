package mysql

import (
	"database/sql"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/storage/internal/sqltest"
)

// opener opens the backend for the shared schema tests.
func opener(db *sql.DB, logger *slog.Logger, create bool) (io.Closer, error) {
	opts := []Option{WithDB(db), WithLogger(logger)}
	if create {
		opts = append(opts, WithCreateSchema())
	}
	return New(opts...)
}

func TestSchemaCheck(t *testing.T) {
	sqltest.SchemaCheck(t, scratchDatabase, opener, []sqltest.SchemaCase{
		{
			Name: "empty database",
			Want: []string{"mysql database has no tables", "load storage/mysql/schema.sql"},
		},
		{
			Name:  "other tables only",
			Setup: []string{"CREATE TABLE unrelated (id INT)"},
			Want: []string{"mysql database has none of the tables devices, users,",
				"check that the DSN names the right database, or load storage/mysql/schema.sql"},
		},
		{
			Name:  "change 00008 missing",
			Setup: append(splitStatements(Schema), "ALTER TABLE enrollments DROP COLUMN last_seen_at"),
			Want:  []string{"column enrollments.last_seen_at missing: apply NanoMDM's storage/mysql/schema.00008.sql"},
		},
		{
			Name: "change 00003 and 00005 missing",
			Setup: append(splitStatements(Schema),
				"ALTER TABLE enrollments DROP COLUMN token_update_tally",
				"ALTER TABLE command_results MODIFY result TEXT NOT NULL"),
			Want: []string{
				"column enrollments.token_update_tally missing: apply NanoMDM's storage/mysql/schema.00003.sql",
				"column command_results.result is text, want mediumtext: apply NanoMDM's storage/mysql/schema.00005.sql",
			},
		},
	})
}

func TestCreateSchema(t *testing.T) {
	sqltest.CreateSchema(t, scratchDatabase, opener,
		`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()`)
}

func TestBadInput(t *testing.T) {
	db := scratchDatabase(t)
	sqltest.ExecAll(t, db, splitStatements(Schema)...)
	sqltest.BadInput(t, db, open(t, db))
}

func TestPingFailure(t *testing.T) {
	s, err := New(WithDSN("root@tcp(127.0.0.1:1)/none?timeout=2s"))
	if err == nil {
		s.Close()
		t.Fatal("New with an unreachable server: got no error, want one")
	}
	if !strings.Contains(err.Error(), "pinging mysql database") {
		t.Errorf("New: got error %q, want it to name the ping", err)
	}
}
