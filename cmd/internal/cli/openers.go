package cli

import (
	"errors"
	"log/slog"

	"github.com/mdmforge/nanomdm/storage"
	"github.com/mdmforge/nanomdm/storage/allmulti"
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

// multiStore combines several backends with allmulti and closes all of
// them on Close, which allmulti itself does not do.
type multiStore struct {
	*allmulti.Multi
	stores []storage.AllStorage
}

func newMulti(logger *slog.Logger, stores []storage.AllStorage) storage.AllStorage {
	return &multiStore{Multi: allmulti.New(logger, stores...), stores: stores}
}

// Close closes every backend and returns their errors joined.
func (m *multiStore) Close() error {
	errs := make([]error, 0, len(m.stores))
	for _, s := range m.stores {
		errs = append(errs, Close(s))
	}
	return errors.Join(errs...)
}
