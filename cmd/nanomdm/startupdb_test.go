package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// startupCase is a storage selection that must stop start-up, with the
// texts the message must and must not contain.
type startupCase struct {
	name         string
	storage, dsn string
	want         []string
	wantNot      []string
}

func TestStartupDatabaseFaults(t *testing.T) {
	t.Parallel()
	closed := freePort(t)
	tests := []startupCase{
		{
			name: "mysql DSN does not parse", storage: "mysql", dsn: "root:secret@tcp(127.0.0.1:3306",
			want:    []string{"mysql DSN", "missing the slash separating the database name", "user:password@tcp(host:3306)/database"},
			wantNot: []string{"secret"},
		},
		{
			name: "pgsql DSN does not parse", storage: "pgsql", dsn: "postgres://nanomdm:sec%zzret@127.0.0.1/nanomdm",
			want:    []string{"invalid pgsql DSN", `invalid URL escape "%zz"`, "postgres://user:password@host:5432/database"},
			wantNot: []string{"sec%zzret"},
		},
		{
			name: "mysql unreachable", storage: "mysql", dsn: "root@tcp(" + closed + ")/nanomdm",
			want: []string{"pinging mysql database", "connection refused", "check that the database server is running"},
		},
		{
			name: "pgsql unreachable", storage: "pgsql", dsn: "postgres://postgres@" + closed + "/nanomdm?sslmode=disable",
			want: []string{"pinging pgsql database", "connection refused", "check that the database server is running"},
		},
	}
	for _, b := range sqlBackends(t) {
		db := newScratchDB(t, b, "nanomdm_startup")
		tests = append(tests, startupCase{
			name: b.name + " database without schema", storage: b.name, dsn: db.dsn(t, ""),
			want: []string{b.name + " database has no tables", "storage/" + b.name + "/schema.sql", "create_schema=1"},
		})
		other := newScratchDB(t, b, "nanomdm_startup")
		other.exec(t, "CREATE TABLE unrelated (id INT)")
		tests = append(tests, startupCase{
			name: b.name + " database of another application", storage: b.name, dsn: other.dsn(t, ""),
			want: []string{b.name + " database has none of the tables devices, users", "check that the DSN names the right database",
				"storage/" + b.name + "/schema.sql"},
		})
	}

	ca := writeCA(t, t.TempDir())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			argv := []string{"nanomdm", "-ca", ca, "-storage", tt.storage, "-storage-dsn", tt.dsn}
			if code := run(context.Background(), argv, envFrom(nil), &bytes.Buffer{}, &stderr); code != 1 {
				t.Errorf("got exit code %d, want 1", code)
			}
			// Structured lines start with ts=; the start-up failure is the
			// one line in the standard log format.
			var message []string
			for line := range strings.Lines(stderr.String()) {
				if !strings.HasPrefix(line, "ts=") {
					message = append(message, line)
				}
			}
			if len(message) != 1 {
				t.Fatalf("got %d lines of start-up failure %q, want 1", len(message), message)
			}
			for _, want := range tt.want {
				if !strings.Contains(message[0], want) {
					t.Errorf("got message %q, want it to contain %q", message[0], want)
				}
			}
			for _, secret := range tt.wantNot {
				if strings.Contains(stderr.String(), secret) {
					t.Errorf("got output %q, want no %q in it", stderr.String(), secret)
				}
			}
		})
	}
}
