// Package mysql is the storage backend for MySQL 8.0.19 or later and
// MariaDB 10.11 or later. It reads and writes NanoMDM's MySQL tables, so
// NanoMDM and this server can share a database. [Schema] creates them in
// an empty database; [Upgrade] adds this server's optional columns and
// indexes to a database NanoMDM created.
//
// NanoMDM writes upserts with a row alias, which MariaDB rejects. This
// backend reads the server version at start-up and writes VALUES(col)
// upserts on MariaDB and on MySQL before 8.0.19.
package mysql

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"time"

	_ "github.com/go-sql-driver/mysql" // registers the "mysql" driver

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/storage"
	"github.com/mdmforge/nanomdm/storage/internal/sqlstore"
)

// Schema is the SQL that creates every table, index and view of the
// backend in an empty database.
//
//go:embed schema.sql
var Schema string

// Upgrade is the SQL that adds this server's optional columns and indexes
// to a database created by NanoMDM's schema. It is applied once, by hand.
//
//go:embed upgrade.sql
var Upgrade string

// startTimeout bounds the ping and the schema checks of [New].
const startTimeout = 30 * time.Second

var _ storage.AllStorage = (*Storage)(nil)

// Storage is the MySQL backend. It implements [storage.AllStorage] and is
// safe for concurrent use.
type Storage struct {
	*sqlstore.Store
	db     *sql.DB
	ownsDB bool
}

// New connects to the database, checks that it holds the schema, and
// returns the backend. Give either [WithDSN] or [WithDB]. By default the
// driver is "mysql", logs are discarded, commands are kept after they are
// answered, the pool keeps the driver's defaults and the schema is not
// created. New fails when the server does not answer a ping, or when a
// table or column is missing, naming the file that adds it; missing
// optional additions are only logged.
func New(opts ...Option) (*Storage, error) {
	cfg := config{driver: "mysql", logger: log.Nop()}
	for _, opt := range opts {
		opt(&cfg)
	}
	s := &Storage{db: cfg.db}
	if s.db == nil {
		// The mysql driver parses the DSN here. Its errors name the
		// part that is wrong, never the password.
		db, err := sql.Open(cfg.driver, cfg.dsn)
		if err != nil {
			return nil, fmt.Errorf("parsing mysql DSN: %w; write it as user:password@tcp(host:3306)/database", err)
		}
		sqlstore.TunePool(db)
		s.db, s.ownsDB = db, true
	}
	cfg.applyPool(s.db)
	if cfg.deleteCommands {
		cfg.logger.Debug("deleting commands", log.KeyStorage, "mysql")
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
