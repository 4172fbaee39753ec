package sqlstore

import "database/sql"

// DefaultMaxIdleConns is the number of idle connections the mysql and
// pgsql backends keep in the pool of a database they opened themselves.
// database/sql keeps 2 by default. Under more concurrent requests than
// that, it closed a connection after nearly every statement and opened a
// new one for the next. Each new connection costs a server process or
// thread, a login and a fresh preparation of every statement.
const DefaultMaxIdleConns = 32

// TunePool sets the idle limit of db's pool to [DefaultMaxIdleConns]. The
// number of open connections stays unlimited, as NanoMDM leaves it.
//
// NOTE(parity): NanoMDM changes no pool setting, so it keeps 2 idle
// connections.
func TunePool(db *sql.DB) {
	db.SetMaxIdleConns(DefaultMaxIdleConns)
}
