package inmem_test

import (
	"testing"

	"github.com/mdmforge/nanomdm/storage"
	"github.com/mdmforge/nanomdm/storage/inmem"
	"github.com/mdmforge/nanomdm/storage/storagetest"
)

func TestStorage(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.AllStorage {
		return inmem.New()
	})
}

func BenchmarkCycle(b *testing.B) {
	storagetest.BenchmarkCycle(b, inmem.New())
}
