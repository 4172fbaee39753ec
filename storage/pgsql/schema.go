package pgsql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/lib/pq"

	"github.com/mdmforge/nanomdm/storage/internal/sqlstore"
)

const (
	columnsQuery = `SELECT table_name, column_name, data_type
FROM information_schema.columns WHERE table_schema = current_schema()`

	indexesQuery = `SELECT tablename, indexname
FROM pg_indexes WHERE schemaname = current_schema()`

	fixLoad    = "load storage/pgsql/schema.sql into an empty database"
	fixUpgrade = "apply storage/pgsql/upgrade.sql"
)

// tableColumns lists the tables and the columns the queries use. NanoMDM's
// PostgreSQL schema has had all of them since it was added.
var tableColumns = []struct {
	table   string
	columns []string
}{
	{"devices", []string{"id", "identity_cert", "serial_number", "unlock_token", "unlock_token_at",
		"authenticate", "authenticate_at", "token_update", "token_update_at",
		"bootstrap_token_b64", "bootstrap_token_at"}},
	{"users", []string{"id", "device_id", "user_short_name", "user_long_name", "token_update",
		"token_update_at", "user_authenticate", "user_authenticate_at",
		"user_authenticate_digest", "user_authenticate_digest_at"}},
	{"enrollments", []string{"id", "device_id", "user_id", "type", "topic", "push_magic", "token_hex",
		"enabled", "token_update_tally", "last_seen_at"}},
	{"commands", []string{"command_uuid", "request_type", "command"}},
	{"command_results", []string{"id", "command_uuid", "status", "result", "not_now_at", "not_now_tally"}},
	{"enrollment_queue", []string{"id", "command_uuid", "active", "priority", "created_at"}},
	{"push_certs", []string{"topic", "cert_pem", "key_pem", "stale_token"}},
	{"cert_auth_associations", []string{"id", "sha256", "created_at", "updated_at"}},
}

// requirements returns tableColumns as requirements, tables first.
func requirements() []sqlstore.Requirement {
	var tables, columns []sqlstore.Requirement
	for _, tc := range tableColumns {
		tables = append(tables, sqlstore.Requirement{Table: tc.table, Fix: fixLoad})
		for _, column := range tc.columns {
			columns = append(columns, sqlstore.Requirement{Table: tc.table, Column: column, Fix: fixLoad})
		}
	}
	return append(tables, columns...)
}

// backend describes this backend to [sqlstore.Open].
var backend = sqlstore.Backend{
	Name:          "pgsql",
	ColumnsQuery:  columnsQuery,
	IndexesQuery:  indexesQuery,
	Requirements:  requirements(),
	FixLoad:       fixLoad,
	FixUpgrade:    fixUpgrade,
	IndexWarnings: indexWarnings,
	CreateSchema:  createSchema,
	Dialect:       detectDialect,
}

// indexWarnings names the lookup indexes of upgrade.sql that are missing.
func indexWarnings(inv *sqlstore.Inventory, f sqlstore.Features) []string {
	indexes := []struct{ table, name, effect string }{
		{"enrollments", "idx_enrollments_device_id", "Authenticate and CheckOut scan enrollments"},
		{"cert_auth_associations", "idx_sha256", "certificate checks scan cert_auth_associations"},
		{"enrollment_queue", "idx_queue_command_uuid", "the delete option scans enrollment_queue"},
		{"command_results", "idx_results_command_uuid", "the delete option scans command_results"},
	}
	if f.AnsweredAt {
		indexes = append(indexes, struct{ table, name, effect string }{
			"enrollment_queue", "idx_queue_pending", "finding the next command reads answered commands"})
	}
	var warnings []string
	for _, idx := range indexes {
		if !inv.HasIndex(idx.table, idx.name) {
			warnings = append(warnings, fmt.Sprintf("index %s missing: %s; %s", idx.name, idx.effect, fixUpgrade))
		}
	}
	return warnings
}

// createSchema runs [Schema] in one transaction. With no arguments lib/pq
// sends it as one simple query, which may hold several statements.
func createSchema(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, Schema); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// detectDialect returns the PostgreSQL dialect and the server version.
func detectDialect(ctx context.Context, db *sql.DB) (sqlstore.Dialect, string, error) {
	var version string
	if err := db.QueryRowContext(ctx, "SHOW server_version").Scan(&version); err != nil {
		return sqlstore.Dialect{}, "", err
	}
	return sqlstore.Dialect{
		Flavor:                sqlstore.PostgreSQL,
		IsUniqueViolation:     func(err error) bool { return hasErrorCode(err, "23505") },
		IsForeignKeyViolation: func(err error) bool { return hasErrorCode(err, "23503") },
		// deadlock_detected and serialization_failure abort the whole
		// transaction.
		IsRetryable: func(err error) bool { return hasErrorCode(err, "40P01") || hasErrorCode(err, "40001") },
	}, version, nil
}

// hasErrorCode reports whether err is a server error with SQLSTATE code.
func hasErrorCode(err error, code pq.ErrorCode) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == code
}
