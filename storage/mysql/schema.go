package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/mdmforge/nanomdm/storage/internal/sqlstore"
)

const (
	columnsQuery = `SELECT table_name, column_name, data_type
FROM information_schema.columns WHERE table_schema = DATABASE()`

	indexesQuery = `SELECT DISTINCT table_name, index_name
FROM information_schema.statistics WHERE table_schema = DATABASE()`

	fixLoad    = "load storage/mysql/schema.sql into an empty database"
	fixUpgrade = "apply storage/mysql/upgrade.sql"
)

// fixChange names the NanoMDM change file that adds a column.
func fixChange(n int) string {
	return fmt.Sprintf("apply NanoMDM's storage/mysql/schema.%05d.sql", n)
}

// requirements lists the tables and the columns the queries use, with the
// file that adds each: NanoMDM's first schema or one of its change files.
func requirements() []sqlstore.Requirement {
	var reqs []sqlstore.Requirement
	add := func(table, fix string, columns ...string) {
		for _, column := range columns {
			reqs = append(reqs, sqlstore.Requirement{Table: table, Column: column, Fix: fix})
		}
	}
	tables := []string{"devices", "users", "enrollments", "commands", "command_results",
		"enrollment_queue", "push_certs", "cert_auth_associations"}
	for _, table := range tables {
		add(table, fixLoad, "")
	}
	add("devices", fixLoad, "id", "identity_cert", "serial_number", "unlock_token",
		"unlock_token_at", "authenticate", "authenticate_at", "token_update", "token_update_at")
	add("devices", fixChange(1), "bootstrap_token_b64", "bootstrap_token_at")
	add("users", fixLoad, "id", "device_id", "user_short_name", "user_long_name",
		"token_update", "token_update_at")
	add("users", fixChange(2), "user_authenticate", "user_authenticate_at",
		"user_authenticate_digest", "user_authenticate_digest_at")
	add("enrollments", fixLoad, "id", "device_id", "user_id", "type", "topic",
		"push_magic", "token_hex", "enabled")
	add("enrollments", fixChange(3), "token_update_tally")
	add("enrollments", fixChange(8), "last_seen_at")
	add("commands", fixLoad, "command_uuid", "request_type", "command")
	add("command_results", fixLoad, "id", "command_uuid", "status", "result")
	add("command_results", fixChange(4), "not_now_at", "not_now_tally")
	add("enrollment_queue", fixLoad, "id", "command_uuid", "active", "priority", "created_at")
	add("push_certs", fixLoad, "topic", "cert_pem", "key_pem", "stale_token")
	add("push_certs", fixChange(7), "created_at", "updated_at")
	add("cert_auth_associations", fixLoad, "id", "sha256", "created_at", "updated_at")
	return reqs
}

// backend describes this backend to [sqlstore.Open].
var backend = sqlstore.Backend{
	Name:         "mysql",
	ColumnsQuery: columnsQuery,
	IndexesQuery: indexesQuery,
	Requirements: requirements(),
	FixLoad:      fixLoad,
	FixUpgrade:   fixUpgrade,
	Check: func(inv *sqlstore.Inventory) error {
		return errors.Join(
			checkType(inv, "command_results", "result", 5),
			checkType(inv, "commands", "command", 6))
	},
	IndexWarnings: indexWarnings,
	CreateSchema:  createSchema,
	Dialect:       detectDialect,
}

// checkType fails when NanoMDM change file n, which turns a TEXT column
// into MEDIUMTEXT, was not applied.
func checkType(inv *sqlstore.Inventory, table, column string, n int) error {
	if got := inv.ColumnType(table, column); got != "" && got != "mediumtext" {
		return fmt.Errorf("column %s.%s is %s, want mediumtext: %s", table, column, got, fixChange(n))
	}
	return nil
}

// indexWarnings names the lookup indexes that are missing.
func indexWarnings(inv *sqlstore.Inventory, f sqlstore.Features) []string {
	var warnings []string
	if !inv.HasIndex("enrollment_queue", "idx_queue_lookup") {
		warnings = append(warnings, "index idx_queue_lookup missing: finding the next command "+
			"reads the whole queue of the enrollment; "+fixChange(10))
	}
	if !inv.HasIndex("cert_auth_associations", "idx_sha256") {
		warnings = append(warnings, "index idx_sha256 missing: certificate checks scan "+
			"cert_auth_associations; "+fixChange(10))
	}
	if f.AnsweredAt && !inv.HasIndex("enrollment_queue", "idx_queue_pending") {
		warnings = append(warnings, "index idx_queue_pending missing: finding the next command "+
			"reads answered commands; "+fixUpgrade)
	}
	return warnings
}

// createSchema runs the statements of [Schema] one at a time, since the
// driver runs one statement per call unless multiStatements is set.
func createSchema(ctx context.Context, db *sql.DB) error {
	for _, stmt := range splitStatements(Schema) {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("running %q: %w", firstLine(stmt), err)
		}
	}
	return nil
}

// splitStatements splits a schema file into statements. Lines starting
// with "--" are comments; statements end with ";". The schema has no ";"
// inside literals or comments of other forms.
func splitStatements(schema string) []string {
	var b strings.Builder
	for line := range strings.Lines(schema) {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line)
		}
	}
	var stmts []string
	for stmt := range strings.SplitSeq(b.String(), ";") {
		if stmt = strings.TrimSpace(stmt); stmt != "" {
			stmts = append(stmts, stmt)
		}
	}
	return stmts
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// detectDialect picks the upsert form from the server version: MariaDB
// and MySQL before 8.0.19 take VALUES(col) upserts, later MySQL the row
// alias.
//
// NOTE(parity): NanoMDM always writes the row alias, so its MySQL backend
// fails on MariaDB.
func detectDialect(ctx context.Context, db *sql.DB) (sqlstore.Dialect, string, error) {
	var version string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return sqlstore.Dialect{}, "", err
	}
	return dialect(flavorOf(version)), version, nil
}

// flavorOf returns the upsert dialect for a VERSION() string such as
// "8.0.36", "9.1.0" or "10.11.19-MariaDB-0+deb12u1".
func flavorOf(version string) sqlstore.Flavor {
	if strings.Contains(strings.ToLower(version), "mariadb") {
		return sqlstore.MySQLValues
	}
	parts := strings.SplitN(version, ".", 3)
	num := func(i int) int {
		if i >= len(parts) {
			return 0
		}
		digits := parts[i]
		if end := strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }); end >= 0 {
			digits = digits[:end]
		}
		n, _ := strconv.Atoi(digits)
		return n
	}
	major, minor, patch := num(0), num(1), num(2)
	if major > 8 || major == 8 && (minor > 0 || patch >= 19) {
		return sqlstore.MySQL
	}
	return sqlstore.MySQLValues
}

// dialect returns the MySQL dialect with the given upsert flavor.
func dialect(flavor sqlstore.Flavor) sqlstore.Dialect {
	return sqlstore.Dialect{
		Flavor:                flavor,
		IsUniqueViolation:     func(err error) bool { return hasErrorNumber(err, 1062) },
		IsForeignKeyViolation: func(err error) bool { return hasErrorNumber(err, 1452, 1216) },
		// 1213 is ER_LOCK_DEADLOCK, after which the whole transaction is
		// rolled back.
		IsRetryable: func(err error) bool { return hasErrorNumber(err, 1213) },
	}
}

// hasErrorNumber reports whether err is a server error with one of the
// given numbers.
func hasErrorNumber(err error, numbers ...uint16) bool {
	var myErr *mysql.MySQLError
	if !errors.As(err, &myErr) {
		return false
	}
	for _, n := range numbers {
		if myErr.Number == n {
			return true
		}
	}
	return false
}
