package cli

import (
	"errors"
	"log/slog"

	"github.com/mdmforge/nanomdm/storage"
	"github.com/mdmforge/nanomdm/storage/filekv"
	"github.com/mdmforge/nanomdm/storage/inmem"
	"github.com/mdmforge/nanomdm/storage/mysql"
	"github.com/mdmforge/nanomdm/storage/pgsql"
)

// opener validates one backend selection and builds it.
type opener func(b Backend, logger *slog.Logger) (storage.AllStorage, error)

var openers = map[string]opener{
	"filekv": openFileKV,
	"inmem":  openInMem,
	"file":   openFile,
	"mysql":  openMySQL,
	"pgsql":  openPgSQL,
}

func openFileKV(b Backend, logger *slog.Logger) (storage.AllStorage, error) {
	if b.DSN == "" {
		return nil, ErrMissingDSN
	}
	if b.Options != "" {
		return nil, ErrNoOptions
	}
	return filekv.New(b.DSN, filekv.WithLogger(logger))
}

// openInMem ignores the DSN, which must still be given to keep the lists
// paired.
func openInMem(b Backend, _ *slog.Logger) (storage.AllStorage, error) {
	if b.Options != "" {
		return nil, ErrNoOptions
	}
	return inmem.New(), nil
}

func openMySQL(b Backend, logger *slog.Logger) (storage.AllStorage, error) {
	opts, err := mysql.ParseOptions(b.Options)
	if err != nil {
		return nil, err
	}
	opts = append(opts, mysql.WithDSN(b.DSN), mysql.WithLogger(logger))
	return mysql.New(opts...)
}

func openPgSQL(b Backend, logger *slog.Logger) (storage.AllStorage, error) {
	opts, err := pgsql.ParseOptions(b.Options)
	if err != nil {
		return nil, err
	}
	opts = append(opts, pgsql.WithDSN(b.DSN), pgsql.WithLogger(logger))
	return pgsql.New(opts...)
}

// errNoMulti is returned for several backends until storage/allmulti,
// which writes to all of them, is part of the build.
var errNoMulti = errors.New("several storage backends are not supported by this build")

// TODO: build the combination with storage/allmulti once it exists; until
// then a command line that names several backends fails at start-up.
func newMulti(_ *slog.Logger, _ []storage.AllStorage) (storage.AllStorage, error) {
	return nil, errNoMulti
}
