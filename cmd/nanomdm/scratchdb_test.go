package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// sqlBackends returns the pgsql and mysql backends whose test DSNs are set
// in the environment.
func sqlBackends(t testing.TB) []backend {
	t.Helper()
	var list []backend
	for _, b := range backends(t) {
		if b.name == "pgsql" || b.name == "mysql" {
			list = append(list, b)
		}
	}
	return list
}

// scratchDB is an empty database created for one test on the server that
// a test DSN points at, and dropped when the test ends.
type scratchDB struct {
	backend string
	name    string
	// serverAddr is the host:port of the database server.
	serverAddr string
	// base is the test DSN the database was derived from.
	base  string
	admin *sql.DB
}

// newScratchDB creates an empty database on the server of b, named with
// prefix and a random suffix.
func newScratchDB(t testing.TB, b backend, prefix string) *scratchDB {
	t.Helper()
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	d := &scratchDB{backend: b.name, name: prefix + "_" + hex.EncodeToString(suffix), base: b.dsn}

	var adminDSN string
	var err error
	switch b.name {
	case "pgsql":
		adminDSN, d.serverAddr, err = pgsqlDSN(b.dsn, "", "postgres")
	case "mysql":
		adminDSN, d.serverAddr, err = mysqlDSN(b.dsn, "", "")
	default:
		t.Fatalf("backend %s has no scratch databases", b.name)
	}
	if err != nil {
		t.Fatalf("reading the %s test DSN: %v", b.name, err)
	}
	driver := map[string]string{"pgsql": "postgres", "mysql": "mysql"}[b.name]
	if d.admin, err = sql.Open(driver, adminDSN); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := d.admin.ExecContext(ctx, "CREATE DATABASE "+d.name); err != nil {
		d.admin.Close()
		t.Fatalf("creating database %s: %v", d.name, err)
	}
	t.Cleanup(func() { d.drop(t) })
	return d
}

// drop removes the database, closing any connection still open to it,
// and closes the admin connection.
func (d *scratchDB) drop(t testing.TB) {
	defer d.admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	query := "DROP DATABASE IF EXISTS " + d.name
	if d.backend == "pgsql" {
		query += " WITH (FORCE)"
	}
	if _, err := d.admin.ExecContext(ctx, query); err != nil {
		t.Errorf("dropping database %s: %v; drop it by hand", d.name, err)
	}
}

// dsn returns the DSN of the database through addr, a host:port, or
// directly when addr is empty.
func (d *scratchDB) dsn(t testing.TB, addr string) string {
	t.Helper()
	var dsn string
	var err error
	switch d.backend {
	case "pgsql":
		dsn, _, err = pgsqlDSN(d.base, addr, d.name)
	case "mysql":
		dsn, _, err = mysqlDSN(d.base, addr, d.name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// exec runs statements in the database and closes the connection.
func (d *scratchDB) exec(t testing.TB, statements ...string) {
	t.Helper()
	driver := map[string]string{"pgsql": "postgres", "mysql": "mysql"}[d.backend]
	db, err := sql.Open(driver, d.dsn(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range statements {
		if _, err := db.ExecContext(t.Context(), stmt); err != nil {
			t.Fatalf("running %q in %s: %v", stmt, d.name, err)
		}
	}
}

// killConnections ends every server session connected to the database,
// as an operator or a failover would, and returns how many it ended.
func (d *scratchDB) killConnections(ctx context.Context) (int, error) {
	if d.backend == "pgsql" {
		var n int
		err := d.admin.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid))
FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, d.name).Scan(&n)
		if err != nil {
			return 0, fmt.Errorf("terminating the sessions of %s: %w", d.name, err)
		}
		return n, nil
	}

	ids, err := d.mysqlSessions(ctx)
	if err != nil {
		return 0, fmt.Errorf("listing the sessions of %s: %w", d.name, err)
	}
	killed := 0
	for _, id := range ids {
		_, err := d.admin.ExecContext(ctx, fmt.Sprintf("KILL %d", id))
		// A session that ended since it was listed is unknown by now.
		if err != nil && !strings.Contains(err.Error(), "Unknown thread id") {
			return killed, fmt.Errorf("killing session %d of %s: %w", id, d.name, err)
		}
		if err == nil {
			killed++
		}
	}
	return killed, nil
}

// mysqlSessions returns the processlist IDs of the sessions using the
// database.
func (d *scratchDB) mysqlSessions(ctx context.Context) ([]int64, error) {
	rows, err := d.admin.QueryContext(ctx,
		"SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()", d.name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// pgsqlDSN returns base, a lib/pq URL, with its host:port replaced by
// addr (unless empty) and its database by name, and the host:port of base.
func pgsqlDSN(base, addr, name string) (dsn, serverAddr string, err error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return "", "", fmt.Errorf("test DSN %q is not a postgres:// URL", base)
	}
	serverAddr = u.Host
	if u.Port() == "" {
		serverAddr = u.Hostname() + ":5432"
	}
	if addr != "" {
		u.Host = addr
	}
	u.Path = "/" + name
	return u.String(), serverAddr, nil
}

// mysqlDSN returns base, a go-sql-driver/mysql DSN, with its address
// replaced by addr (unless empty) and its database by name, and the
// address of base.
func mysqlDSN(base, addr, name string) (dsn, serverAddr string, err error) {
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		return "", "", fmt.Errorf("parsing test DSN: %w", err)
	}
	serverAddr = cfg.Addr
	if addr != "" {
		cfg.Addr = addr
	}
	cfg.DBName = name
	return cfg.FormatDSN(), serverAddr, nil
}
