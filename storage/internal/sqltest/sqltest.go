// Package sqltest holds the database tests the mysql and pgsql backends
// share: NanoMDM-format fixture rows driven through the storage, recovery
// after the server drops connections, and next-command cost with a large
// history. It is imported by tests only.
package sqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"strings"
	"testing"
)

// RandomName returns a lowercase name with prefix and a random suffix,
// safe to use unquoted as a database name.
func RandomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return prefix + hex.EncodeToString(b)
}

// randomUDID returns a random uppercase UDID-shaped ID.
func randomUDID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	s := strings.ToUpper(hex.EncodeToString(b))
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// ExecAll runs each statement on db and fails t on the first error.
func ExecAll(t testing.TB, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, stmt := range stmts {
		if _, err := db.ExecContext(context.Background(), stmt); err != nil {
			t.Fatalf("running %.80q: %v", stmt, err)
		}
	}
}

// Backend describes one backend to the shared tests.
type Backend struct {
	// Downgrade holds the statements that remove this server's additions
	// from a database loaded with schema.sql, leaving NanoMDM's shape.
	Downgrade []string

	// Upgrade holds the statements of upgrade.sql.
	Upgrade []string

	// KillConnections makes the server drop every connection to the
	// database named name, through admin, a connection to another one. It
	// fails when there was none, since the test would then prove nothing.
	KillConnections func(ctx context.Context, admin *sql.DB, name string) error

	// Explain returns the plan of query, run with arg, as text.
	Explain func(ctx context.Context, db *sql.DB, query, arg string) (string, error)
}
