package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/mdmforge/nanomdm/log"
)

// Backend describes one SQL backend to [Open]: how to read its catalog,
// what it requires, and how to fix what is missing.
type Backend struct {
	// Name is the backend name for logs and errors: "mysql" or "pgsql".
	Name string

	// ColumnsQuery and IndexesQuery read the catalog, as [ReadInventory]
	// takes them.
	ColumnsQuery, IndexesQuery string

	// Requirements lists the tables and columns the queries use.
	Requirements []Requirement

	// FixLoad tells the operator how to load the schema, and FixUpgrade
	// how to add the optional additions.
	FixLoad, FixUpgrade string

	// Check returns what else is wrong with the schema, or nil. It may be
	// nil.
	Check func(*Inventory) error

	// IndexWarnings names the missing lookup indexes. It may be nil.
	IndexWarnings func(*Inventory, Features) []string

	// CreateSchema loads the schema into an empty database.
	CreateSchema func(context.Context, *sql.DB) error

	// Dialect queries the server for the dialect to write, and returns it
	// with the server's version text.
	Dialect func(context.Context, *sql.DB) (Dialect, string, error)
}

// OpenConfig holds the options of [Open].
type OpenConfig struct {
	// Logger receives start-up lines; nil discards them.
	Logger *slog.Logger

	// CreateSchema loads the schema when the database has no tables.
	CreateSchema bool

	// DeleteCommands is [Config.DeleteCommands].
	DeleteCommands bool
}

// Open pings db, creates the schema when asked and the database is
// empty, fails when anything the queries need is missing, logs which
// optional additions are missing, and returns the store.
func Open(ctx context.Context, db *sql.DB, b Backend, cfg OpenConfig) (*Store, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = log.Nop()
	}
	if err := db.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("pinging %s database: %w; check that the database server is running "+
			"and reachable, and that the DSN has the right address, user, password and database name", b.Name, err)
	}
	dialect, version, err := b.Dialect(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("reading %s server version: %w", b.Name, err)
	}
	logger.Debug("connected to server version "+version, log.KeyStorage, b.Name)

	inv, err := openInventory(ctx, db, b, cfg.CreateSchema, logger)
	if err != nil {
		return nil, err
	}
	features, warnings := inv.DetectFeatures(b.FixUpgrade)
	if b.IndexWarnings != nil {
		warnings = append(warnings, b.IndexWarnings(inv, features)...)
	}
	for _, w := range warnings {
		logger.Warn("schema addition missing", log.KeyStorage, b.Name, log.KeyErr, w)
	}
	return New(ctx, Config{
		DB:             db,
		Dialect:        dialect,
		Features:       features,
		Logger:         logger,
		DeleteCommands: cfg.DeleteCommands,
	})
}

// openInventory reads the catalog, creating the schema first when asked
// and the database is empty, and checks the requirements of b.
func openInventory(ctx context.Context, db *sql.DB, b Backend, create bool, logger *slog.Logger) (*Inventory, error) {
	inv, err := ReadInventory(ctx, db, b.ColumnsQuery, b.IndexesQuery)
	if err != nil {
		return nil, err
	}
	if create && inv.Empty() {
		if err := b.CreateSchema(ctx, db); err != nil {
			return nil, fmt.Errorf("creating %s schema: %w", b.Name, err)
		}
		logger.Info("created schema", log.KeyStorage, b.Name)
		if inv, err = ReadInventory(ctx, db, b.ColumnsQuery, b.IndexesQuery); err != nil {
			return nil, err
		}
	}

	if err := checkInventory(inv, b); err != nil {
		return nil, err
	}
	return inv, nil
}

// checkInventory returns what keeps the store from working on inv, with
// the fix, or nil. A database that has tables but none of the required
// ones is reported in one line, because the DSN most likely names another
// application's database.
func checkInventory(inv *Inventory, b Backend) error {
	if inv.Empty() {
		return fmt.Errorf("%s database has no tables: %s, or set the storage option create_schema=1 to load it at start-up",
			b.Name, b.FixLoad)
	}
	tables, found := requiredTables(inv, b.Requirements)
	if !found {
		return fmt.Errorf("%s database has none of the tables %s: check that the DSN names the right database, or %s",
			b.Name, strings.Join(tables, ", "), b.FixLoad)
	}

	errs := []error{inv.Check(b.Requirements)}
	if b.Check != nil {
		errs = append(errs, b.Check(inv))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("checking %s schema: %w", b.Name, err)
	}
	return nil
}

// requiredTables returns the tables reqs name, in order, and whether inv
// has any of them.
func requiredTables(inv *Inventory, reqs []Requirement) (tables []string, found bool) {
	for _, req := range reqs {
		if req.Column != "" {
			continue
		}
		tables = append(tables, req.Table)
		found = found || inv.HasTable(req.Table)
	}
	return tables, found
}
