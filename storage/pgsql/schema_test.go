package pgsql

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/storage/internal/sqltest"
)

func TestSchemaCheck(t *testing.T) {
	tests := []struct {
		name    string
		setup   []string
		wantErr []string
	}{
		{
			name:    "empty database",
			wantErr: []string{"pgsql database has no tables", "load storage/pgsql/schema.sql"},
		},
		{
			name:    "other tables only",
			setup:   []string{"CREATE TABLE unrelated (id INT)"},
			wantErr: []string{"table devices missing: load storage/pgsql/schema.sql"},
		},
		{
			name:    "column missing",
			setup:   []string{Schema, "ALTER TABLE enrollments DROP COLUMN last_seen_at"},
			wantErr: []string{"column enrollments.last_seen_at missing: load storage/pgsql/schema.sql"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := scratchDatabase(t)
			sqltest.ExecAll(t, db, tc.setup...)
			s, err := New(WithDB(db))
			if err == nil {
				s.Close()
				t.Fatalf("New: got no error, want %q", tc.wantErr)
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("New: got error %q, want it to contain %q", err, want)
				}
			}
		})
	}
}

func TestCreateSchema(t *testing.T) {
	db := scratchDatabase(t)
	var logs bytes.Buffer
	open(t, db, WithCreateSchema(), WithLogger(log.New(&logs, false)))
	if !strings.Contains(logs.String(), "created schema") {
		t.Errorf("first start: got logs\n%s\nwant a created schema line", &logs)
	}
	if strings.Contains(logs.String(), "schema addition missing") {
		t.Errorf("first start: got logs\n%s\nwant no missing additions", &logs)
	}

	logs.Reset()
	open(t, db, WithCreateSchema(), WithLogger(log.New(&logs, false)))
	if strings.Contains(logs.String(), "created schema") {
		t.Errorf("second start: got logs\n%s\nwant the schema left alone", &logs)
	}
}

func TestCreateSchemaNotEmpty(t *testing.T) {
	db := scratchDatabase(t)
	sqltest.ExecAll(t, db, "CREATE TABLE unrelated (id INT)")
	s, err := New(WithDB(db), WithCreateSchema())
	if err == nil {
		s.Close()
		t.Fatal("New on a database with another table: got no error, want one")
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM information_schema.tables
WHERE table_schema = current_schema()`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("tables after New: got %d, want 1 (nothing created)", n)
	}
}

func TestPingFailure(t *testing.T) {
	s, err := New(WithDSN("postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"))
	if err == nil {
		s.Close()
		t.Fatal("New with an unreachable server: got no error, want one")
	}
	if !strings.Contains(err.Error(), "pinging pgsql database") {
		t.Errorf("New: got error %q, want it to name the ping", err)
	}
}

func TestBadInput(t *testing.T) {
	db := scratchDatabase(t)
	sqltest.ExecAll(t, db, Schema)
	sqltest.BadInput(t, db, open(t, db))
}
