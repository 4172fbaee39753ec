// Package pgsql is the storage backend for PostgreSQL. It reads and writes
// NanoMDM's PostgreSQL tables, so NanoMDM and this server can share a
// database. [Schema] creates them in an empty database; [Upgrade] adds
// this server's optional columns and indexes to a database NanoMDM
// created.
//
// DSNs go to github.com/lib/pq unchanged, so its defaults hold: without an
// sslmode the connection requires TLS, as with NanoMDM.
package pgsql

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/lib/pq" // also registers the "postgres" driver

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/storage"
	"github.com/mdmforge/nanomdm/storage/internal/sqlstore"
)

// Schema is the SQL that creates every table, index, view, function and
// trigger of the backend in an empty database.
//
//go:embed schema.sql
var Schema string

// Upgrade is the SQL that adds this server's optional columns and indexes
// to a database created by NanoMDM's schema. Applying it again changes
// nothing.
//
//go:embed upgrade.sql
var Upgrade string

// startTimeout bounds the ping and the schema checks of [New].
const startTimeout = 30 * time.Second

var _ storage.AllStorage = (*Storage)(nil)

// Storage is the PostgreSQL backend. It implements [storage.AllStorage]
// and is safe for concurrent use.
type Storage struct {
	*sqlstore.Store
	db     *sql.DB
	ownsDB bool
}

// Option configures [New].
type Option func(*config)

type config struct {
	dsn, driver    string
	db             *sql.DB
	logger         *slog.Logger
	deleteCommands bool
	createSchema   bool
}

// WithDSN sets the github.com/lib/pq data source name, a URL such as
// "postgres://user:pass@127.0.0.1/nanomdm?sslmode=disable" or key=value
// pairs.
func WithDSN(dsn string) Option {
	return func(c *config) { c.dsn = dsn }
}

// WithDriver sets the database/sql driver name; the default is "postgres".
func WithDriver(driver string) Option {
	return func(c *config) { c.driver = driver }
}

// WithDB uses db instead of opening a DSN. [Storage.Close] leaves it open.
func WithDB(db *sql.DB) Option {
	return func(c *config) { c.db = db }
}

// WithLogger sets the logger; nil discards logs.
func WithLogger(logger *slog.Logger) Option {
	return func(c *config) { c.logger = logger }
}

// WithDeleteCommands turns on NanoMDM's delete option: a final report
// deletes the enrollment's queue entry and NotNow result instead of
// storing the result, and the command once no enrollment refers to it.
func WithDeleteCommands() Option {
	return func(c *config) { c.deleteCommands = true }
}

// WithCreateSchema loads [Schema] at start-up when the database has no
// tables at all. A database that has any table is never changed.
func WithCreateSchema() Option {
	return func(c *config) { c.createSchema = true }
}

// New connects to the database, checks that it holds the schema, and
// returns the backend. Give either [WithDSN] or [WithDB]. By default the
// driver is "postgres", logs are discarded, commands are kept after they
// are answered and the schema is not created. New fails when the server
// does not answer a ping, or when a table or column is missing, naming
// the fix; missing optional additions are only logged.
func New(opts ...Option) (*Storage, error) {
	cfg := config{driver: "postgres"}
	for _, opt := range opts {
		opt(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = log.Nop()
	}
	s := &Storage{db: cfg.db}
	if s.db == nil {
		db, err := openDSN(cfg.driver, cfg.dsn)
		if err != nil {
			return nil, err
		}
		sqlstore.TunePool(db)
		s.db, s.ownsDB = db, true
	}
	if cfg.deleteCommands {
		cfg.logger.Debug("deleting commands", log.KeyStorage, "pgsql")
	}

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	store, err := sqlstore.Open(ctx, s.db, backend, sqlstore.OpenConfig{
		Logger:         cfg.logger,
		CreateSchema:   cfg.createSchema,
		DeleteCommands: cfg.deleteCommands,
	})
	if err != nil {
		return nil, errors.Join(err, s.closeDB())
	}
	s.Store = store
	return s, nil
}

// openDSN opens dsn with driver. With lib/pq the DSN is parsed first, so
// a malformed one is reported as such instead of at the ping. The error
// leaves out the DSN, because it may contain a password.
func openDSN(driver, dsn string) (*sql.DB, error) {
	if driver != "postgres" {
		db, err := sql.Open(driver, dsn)
		if err != nil {
			return nil, fmt.Errorf("opening pgsql database: %w", err)
		}
		return db, nil
	}
	connector, err := pq.NewConnector(dsn)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return nil, fmt.Errorf("invalid pgsql DSN: %w; write it as a URL such as "+
			"postgres://user:password@host:5432/database?sslmode=disable, "+
			"or as key=value pairs such as host=db.example user=nanomdm dbname=nanomdm", err)
	}
	return sql.OpenDB(connector), nil
}

// Close closes the prepared statements, and the database when New opened
// it. A database given with [WithDB] stays open.
func (s *Storage) Close() error {
	return errors.Join(s.Store.Close(), s.closeDB())
}

func (s *Storage) closeDB() error {
	if !s.ownsDB {
		return nil
	}
	return s.db.Close()
}

// ParseOptions parses a -storage-options string for this backend, with
// NanoMDM's keys and error messages: delete=1 or delete=0, and this
// server's create_schema=1 or create_schema=0, which loads the schema into
// an empty database. An empty string has no options.
func ParseOptions(s string) ([]Option, error) {
	var opts []Option
	for _, kv := range sqlstore.SplitOptions(s) {
		var err error
		switch kv.Key {
		case "delete":
			err = sqlstore.ParseSwitch(kv, &opts, WithDeleteCommands())
		case "create_schema":
			err = sqlstore.ParseSwitch(kv, &opts, WithCreateSchema())
		default:
			err = fmt.Errorf("invalid option: %q", kv.Key)
		}
		if err != nil {
			return nil, err
		}
	}
	return opts, nil
}
