package sqltest

import (
	"bytes"
	"database/sql"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/log"
)

// Opener opens a backend on db with logger, loading the schema into an
// empty database when create is set.
type Opener func(db *sql.DB, logger *slog.Logger, create bool) (io.Closer, error)

// SchemaCase is a database that Setup prepares and the backend must
// reject with an error containing every text of Want.
type SchemaCase struct {
	Name  string
	Setup []string
	Want  []string
}

// SchemaCheck runs each case on its own scratch database.
func SchemaCheck(t *testing.T, scratch func(testing.TB) *sql.DB, open Opener, cases []SchemaCase) {
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			db := scratch(t)
			ExecAll(t, db, tc.Setup...)
			s, err := open(db, nil, false)
			if err == nil {
				s.Close()
				t.Fatalf("opening: got no error, want %q", tc.Want)
			}
			for _, want := range tc.Want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("opening: got error %q, want it to contain %q", err, want)
				}
			}
		})
	}
}

// CreateSchema checks the create option: it loads the schema into an
// empty database once, and leaves a database with any table alone.
// countTables counts the tables of the current schema.
func CreateSchema(t *testing.T, scratch func(testing.TB) *sql.DB, open Opener, countTables string) {
	db := scratch(t)
	var logs bytes.Buffer
	for start := range 2 {
		logs.Reset()
		s, err := open(db, log.New(&logs, false), true)
		if err != nil {
			t.Fatalf("start %d: %v", start, err)
		}
		s.Close()
		created := strings.Contains(logs.String(), "created schema")
		if created != (start == 0) {
			t.Errorf("start %d: got created schema %v, want %v; logs:\n%s", start, created, start == 0, &logs)
		}
		if strings.Contains(logs.String(), "schema addition missing") {
			t.Errorf("start %d: got logs\n%s\nwant no missing additions", start, &logs)
		}
	}

	other := scratch(t)
	ExecAll(t, other, "CREATE TABLE unrelated (id INT)")
	if s, err := open(other, nil, true); err == nil {
		s.Close()
		t.Fatal("opening a database with another table: got no error, want one")
	}
	var n int
	if err := other.QueryRow(countTables).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("tables after opening: got %d, want 1 (nothing created)", n)
	}
}
