package mysql

import (
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/storage/internal/sqlstore"
)

// Option configures [New].
type Option func(*config)

type config struct {
	dsn, driver    string
	db             *sql.DB
	logger         *slog.Logger
	deleteCommands bool
	createSchema   bool
	maxLifetime    time.Duration
	maxIdleTime    time.Duration
	setMaxLifetime bool
	setMaxIdleTime bool
}

// WithDSN sets the go-sql-driver/mysql data source name, such as
// "user:pass@tcp(127.0.0.1:3306)/nanomdm". parseTime is not needed.
func WithDSN(dsn string) Option {
	return func(c *config) { c.dsn = dsn }
}

// WithDriver sets the database/sql driver name; the default is "mysql".
func WithDriver(driver string) Option {
	return func(c *config) { c.driver = driver }
}

// WithDB uses db instead of opening a DSN. [Storage.Close] leaves it open.
func WithDB(db *sql.DB) Option {
	return func(c *config) { c.db = db }
}

// WithLogger sets the logger; nil discards logs.
func WithLogger(logger *slog.Logger) Option {
	return func(c *config) {
		c.logger = log.Nop()
		if logger != nil {
			c.logger = logger
		}
	}
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

// WithConnMaxLifetime sets how long a pooled connection may be reused. Zero
// or less means no limit, the driver's default.
func WithConnMaxLifetime(d time.Duration) Option {
	return func(c *config) { c.maxLifetime, c.setMaxLifetime = d, true }
}

// WithConnMaxIdleTime sets how long a pooled connection may stay idle. Zero
// or less means no limit, the driver's default.
func WithConnMaxIdleTime(d time.Duration) Option {
	return func(c *config) { c.maxIdleTime, c.setMaxIdleTime = d, true }
}

// applyPool sets the pool limits that were configured on db.
func (c *config) applyPool(db *sql.DB) {
	if c.setMaxLifetime {
		db.SetConnMaxLifetime(c.maxLifetime)
		c.logger.Debug("connection max lifetime "+c.maxLifetime.String(), log.KeyStorage, "mysql")
	}
	if c.setMaxIdleTime {
		db.SetConnMaxIdleTime(c.maxIdleTime)
		c.logger.Debug("connection max idle time "+c.maxIdleTime.String(), log.KeyStorage, "mysql")
	}
}

// ParseOptions parses a -storage-options string for this backend, with
// NanoMDM's keys and error messages: delete=1 or delete=0,
// conn_max_lifetime and conn_max_idle_time as Go durations (such as 30s or
// 5m), and this server's create_schema=1 or create_schema=0, which loads
// the schema into an empty database. An empty string has no options.
func ParseOptions(s string) ([]Option, error) {
	var opts []Option
	for _, kv := range sqlstore.SplitOptions(s) {
		var err error
		switch kv.Key {
		case "delete":
			err = sqlstore.ParseSwitch(kv, &opts, WithDeleteCommands())
		case "create_schema":
			err = sqlstore.ParseSwitch(kv, &opts, WithCreateSchema())
		case "conn_max_lifetime", "conn_max_idle_time":
			var d time.Duration
			if d, err = time.ParseDuration(kv.Value); err != nil {
				return nil, fmt.Errorf("invalid value for %s option: %w", kv.Key, err)
			}
			if kv.Key == "conn_max_lifetime" {
				opts = append(opts, WithConnMaxLifetime(d))
			} else {
				opts = append(opts, WithConnMaxIdleTime(d))
			}
		default:
			err = fmt.Errorf("invalid option: %q", kv.Key)
		}
		if err != nil {
			return nil, err
		}
	}
	return opts, nil
}
