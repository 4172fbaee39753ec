package filekv_test

import (
	"testing"

	"github.com/mdmforge/nanomdm/storage"
	"github.com/mdmforge/nanomdm/storage/filekv"
	"github.com/mdmforge/nanomdm/storage/storagetest"
)

func newStore(t *testing.T, opts ...filekv.Option) *filekv.FileKV {
	t.Helper()
	s, err := filekv.New(t.TempDir(), opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// Every enrollment costs tens of new files, so the large enqueue case
// enrolls fewer IDs than the default to keep the run short on slow disks.
func TestStorage(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.AllStorage {
		return newStore(t)
	}, storagetest.WithManyIDs(300, 70000))
}

func TestStorageNoCache(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.AllStorage {
		return newStore(t, filekv.WithCacheSize(0))
	}, storagetest.WithManyIDs(20, 500), storagetest.WithHistory(50))
}

func BenchmarkCycle(b *testing.B) {
	s, err := filekv.New(b.TempDir())
	if err != nil {
		b.Fatalf("New: %v", err)
	}
	storagetest.BenchmarkCycle(b, s)
}
