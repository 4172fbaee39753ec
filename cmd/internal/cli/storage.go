package cli

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/storage"
)

// Default backend when no -storage is given: filekv in ./dbkv, a
// directory created on first write.
const (
	DefaultStorage = "filekv"
	DefaultDSN     = "dbkv"
)

// Errors of storage selection, worded as NanoMDM words them so that
// operators' scripts keep matching.
var (
	ErrDSNCount       = errors.New("must have same number of storage and DSN flags")
	ErrOptionsCount   = errors.New("must have same number of storage and storage options flags")
	ErrMissingDSN     = errors.New("missing required DSN")
	ErrNoOptions      = errors.New("storage backend does not support options, please specify no (or empty) options")
	ErrFileDeprecated = errors.New("file backend is deprecated; specify storage options to force enable")
)

// Backend is one validated storage selection.
type Backend struct {
	Name    string
	DSN     string
	Options string
}

// Backends pairs the three lists and applies NanoMDM's checks, in its
// order: equal storage and DSN counts, then, when any options are given,
// equal storage and options counts. With no storage at all it returns
// the default filekv backend in ./dbkv.
func (f *StorageFlags) Backends() ([]Backend, error) {
	if len(f.Storage) != len(f.DSN) {
		return nil, ErrDSNCount
	}
	if len(f.Options) > 0 && len(f.Options) != len(f.Storage) {
		return nil, ErrOptionsCount
	}
	if len(f.Storage) == 0 {
		return []Backend{{Name: DefaultStorage, DSN: DefaultDSN}}, nil
	}

	backends := make([]Backend, len(f.Storage))
	for i, name := range f.Storage {
		backends[i] = Backend{Name: name, DSN: f.DSN[i]}
		if len(f.Options) > 0 {
			backends[i].Options = f.Options[i]
		}
	}
	return backends, nil
}

// Open builds the storage the flags name. Each backend is logged as
// "storage setup" before it is validated. Several backends are combined:
// every write goes to all of them and reads come from the first, and the
// combination is logged with its count. Errors are NanoMDM's texts, or the
// backend's own error.
func (f *StorageFlags) Open(logger *slog.Logger) (storage.AllStorage, error) {
	backends, err := f.Backends()
	if err != nil {
		return nil, err
	}

	stores := make([]storage.AllStorage, 0, len(backends))
	for _, b := range backends {
		logger.Info("storage setup", log.KeyStorage, b.Name)
		store, err := open(b, logger.With(log.KeyStorage, b.Name))
		if err != nil {
			closeAll(stores)
			return nil, err
		}
		stores = append(stores, store)
	}
	if len(stores) == 1 {
		return stores[0], nil
	}

	logger.Info("storage setup", log.KeyStorage, "multi-storage", "count", len(stores))
	return newMulti(logger.With(log.KeyStorage, "multi-storage"), stores), nil
}

// open validates and builds one backend.
func open(b Backend, logger *slog.Logger) (storage.AllStorage, error) {
	opener, ok := openers[b.Name]
	if !ok {
		return nil, fmt.Errorf("unknown storage: %s", b.Name)
	}
	return opener(b, logger)
}

// Close closes store when its backend holds resources (a database pool,
// open files). Backends without a Close method need none.
func Close(store storage.AllStorage) error {
	if c, ok := store.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}

func closeAll(stores []storage.AllStorage) {
	for _, s := range stores {
		_ = Close(s) // the setup error that triggered this is reported instead
	}
}
