// Package allmulti combines several storage backends into one. Every call
// runs on all of them at once and returns what the first one returned;
// the others are write mirrors whose errors are only logged. There is no
// catching up: a backend added later holds only what was written after.
package allmulti

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// Multi is a [storage.AllStorage] that calls several backends. It is safe
// for concurrent use when every backend is.
type Multi struct {
	logger *slog.Logger
	stores []storage.AllStorage
}

// New returns a Multi over stores, in order; the first one's results are
// returned. Errors of the others are logged to logger at info level with
// the backend's index under the "storage" key; a nil logger discards
// them. New panics when stores is empty.
func New(logger *slog.Logger, stores ...storage.AllStorage) *Multi {
	if len(stores) == 0 {
		panic("allmulti: New called without a storage backend")
	}
	if logger == nil {
		logger = log.Nop()
	}
	return &Multi{logger: logger, stores: stores}
}

// run calls call on every backend concurrently, waits for all of them and
// returns the first backend's result. op names the call in logs.
func run[T any](m *Multi, ctx context.Context, op string, call func(storage.AllStorage) (T, error)) (T, error) {
	var wg sync.WaitGroup
	for i, s := range m.stores[1:] {
		wg.Go(func() {
			if _, err := call(s); err != nil {
				log.From(ctx, m.logger).Info("storage mirror failed",
					log.KeyStorage, i+1,
					log.KeyErr, fmt.Errorf("%s: %w", op, err))
			}
		})
	}
	v, err := call(m.stores[0])
	wg.Wait()
	return v, err
}

// runErr is run for calls that return only an error.
func runErr(m *Multi, ctx context.Context, op string, call func(storage.AllStorage) error) error {
	_, err := run(m, ctx, op, func(s storage.AllStorage) (struct{}, error) {
		return struct{}{}, call(s)
	})
	return err
}

// StoreAuthenticate implements [storage.CheckinStore].
func (m *Multi) StoreAuthenticate(r *mdm.Request, msg *mdm.Authenticate) error {
	return runErr(m, r.Context, "StoreAuthenticate", func(s storage.AllStorage) error {
		return s.StoreAuthenticate(r, msg)
	})
}

// StoreTokenUpdate implements [storage.CheckinStore].
func (m *Multi) StoreTokenUpdate(r *mdm.Request, msg *mdm.TokenUpdate) error {
	return runErr(m, r.Context, "StoreTokenUpdate", func(s storage.AllStorage) error {
		return s.StoreTokenUpdate(r, msg)
	})
}

// StoreUserAuthenticate implements [storage.CheckinStore].
func (m *Multi) StoreUserAuthenticate(r *mdm.Request, msg *mdm.UserAuthenticate) error {
	return runErr(m, r.Context, "StoreUserAuthenticate", func(s storage.AllStorage) error {
		return s.StoreUserAuthenticate(r, msg)
	})
}

// Disable implements [storage.CheckinStore].
func (m *Multi) Disable(r *mdm.Request) error {
	return runErr(m, r.Context, "Disable", func(s storage.AllStorage) error {
		return s.Disable(r)
	})
}

// StoreCommandReport implements [storage.CommandAndReportResultsStore].
func (m *Multi) StoreCommandReport(r *mdm.Request, report *mdm.CommandResults) error {
	return runErr(m, r.Context, "StoreCommandReport", func(s storage.AllStorage) error {
		return s.StoreCommandReport(r, report)
	})
}

// RetrieveNextCommand implements [storage.CommandAndReportResultsStore].
func (m *Multi) RetrieveNextCommand(r *mdm.Request, skipNotNow bool) (*mdm.Command, error) {
	return run(m, r.Context, "RetrieveNextCommand", func(s storage.AllStorage) (*mdm.Command, error) {
		return s.RetrieveNextCommand(r, skipNotNow)
	})
}

// ClearQueue implements [storage.CommandAndReportResultsStore].
func (m *Multi) ClearQueue(r *mdm.Request) error {
	return runErr(m, r.Context, "ClearQueue", func(s storage.AllStorage) error {
		return s.ClearQueue(r)
	})
}

// StoreBootstrapToken implements [storage.BootstrapTokenStore].
func (m *Multi) StoreBootstrapToken(r *mdm.Request, msg *mdm.SetBootstrapToken) error {
	return runErr(m, r.Context, "StoreBootstrapToken", func(s storage.AllStorage) error {
		return s.StoreBootstrapToken(r, msg)
	})
}

// RetrieveBootstrapToken implements [storage.BootstrapTokenStore].
func (m *Multi) RetrieveBootstrapToken(r *mdm.Request, msg *mdm.GetBootstrapToken) (*mdm.BootstrapToken, error) {
	return run(m, r.Context, "RetrieveBootstrapToken", func(s storage.AllStorage) (*mdm.BootstrapToken, error) {
		return s.RetrieveBootstrapToken(r, msg)
	})
}

// RetrieveTokenUpdateTally implements [storage.TokenUpdateTallyStore].
func (m *Multi) RetrieveTokenUpdateTally(ctx context.Context, id string) (int, error) {
	return run(m, ctx, "RetrieveTokenUpdateTally", func(s storage.AllStorage) (int, error) {
		return s.RetrieveTokenUpdateTally(ctx, id)
	})
}

// EnqueueCommand implements [storage.CommandEnqueuer].
func (m *Multi) EnqueueCommand(ctx context.Context, ids []string, cmd *mdm.Command) (map[string]error, error) {
	return run(m, ctx, "EnqueueCommand", func(s storage.AllStorage) (map[string]error, error) {
		return s.EnqueueCommand(ctx, ids, cmd)
	})
}

// RetrieveMigrationCheckins implements [storage.MigrationStore] with the
// first backend only, so each message is sent once.
func (m *Multi) RetrieveMigrationCheckins(ctx context.Context, out chan<- any) error {
	return m.stores[0].RetrieveMigrationCheckins(ctx, out)
}

var _ storage.AllStorage = (*Multi)(nil)
