package pgsql_test

import (
	"os"
	"testing"

	"github.com/mdmforge/nanomdm/storage"
	"github.com/mdmforge/nanomdm/storage/pgsql"
	"github.com/mdmforge/nanomdm/storage/storagetest"
)

// dsnEnv names the variable holding the DSN of a database loaded with
// schema.sql; the tests skip without it.
const dsnEnv = "NANOMDM_TEST_PGSQL_DSN"

// testDSN returns the test database DSN or skips t.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		t.Skipf("%s not set", dsnEnv)
	}
	return dsn
}

// newStorage opens the test database with opts and closes it when t ends.
func newStorage(t testing.TB, opts ...pgsql.Option) *pgsql.Storage {
	t.Helper()
	s, err := pgsql.New(append([]pgsql.Option{pgsql.WithDSN(testDSN(t))}, opts...)...)
	if err != nil {
		t.Fatalf("opening storage: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("closing storage: %v", err)
		}
	})
	return s
}

// manyIDs keeps the large enqueue case above the 65,535 placeholders of
// one statement with fewer enrollments than the default, because each
// enrollment costs three commits.
var manyIDs = storagetest.WithManyIDs(300, 70000)

func TestStorage(t *testing.T) {
	s := newStorage(t)
	storagetest.Run(t, func(*testing.T) storage.AllStorage { return s }, manyIDs)
}

func TestStorageDeleteCommands(t *testing.T) {
	s := newStorage(t, pgsql.WithDeleteCommands())
	storagetest.Run(t, func(*testing.T) storage.AllStorage { return s }, manyIDs,
		storagetest.WithSkip("enqueue duplicate UUID",
			"the delete option removes answered commands, so their UUIDs can be used again, as in NanoMDM"))
}
