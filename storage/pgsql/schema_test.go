package pgsql

import (
	"database/sql"
	"io"
	"log/slog"
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
			Want: []string{"pgsql database has no tables", "load storage/pgsql/schema.sql"},
		},
		{
			Name:  "other tables only",
			Setup: []string{"CREATE TABLE unrelated (id INT)"},
			Want: []string{"pgsql database has none of the tables devices, users,",
				"check that the DSN names the right database, or load storage/pgsql/schema.sql"},
		},
		{
			Name:  "column missing",
			Setup: []string{Schema, "ALTER TABLE enrollments DROP COLUMN last_seen_at"},
			Want:  []string{"column enrollments.last_seen_at missing: load storage/pgsql/schema.sql"},
		},
	})
}

func TestCreateSchema(t *testing.T) {
	sqltest.CreateSchema(t, scratchDatabase, opener,
		`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()`)
}

func TestBadInput(t *testing.T) {
	db := scratchDatabase(t)
	sqltest.ExecAll(t, db, Schema)
	sqltest.BadInput(t, db, open(t, db))
}
