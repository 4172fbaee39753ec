// Package cli holds the command-line parts that nanomdm and nano2nano
// share: the -storage, -storage-dsn and -storage-options lists and the
// construction of the storage backends they name.
package cli

import (
	"flag"
	"strings"
)

// StringList is a flag value that collects every occurrence of a flag, in
// order. Usage text shows its type as "value".
type StringList []string

// String returns the values joined with commas.
func (s *StringList) String() string {
	if s == nil {
		return ""
	}
	return strings.Join(*s, ",")
}

// Set appends value.
func (s *StringList) Set(value string) error {
	*s = append(*s, value)
	return nil
}

// StorageFlags holds the three storage lists. The i-th storage name pairs
// with the i-th DSN and, when options are given at all, with the i-th
// options string.
type StorageFlags struct {
	Storage StringList
	DSN     StringList
	Options StringList
}

// Register defines -storage, -storage-dsn and -storage-options on fs.
// The server also points its deprecated -dsn flag at the DSN list.
func (f *StorageFlags) Register(fs *flag.FlagSet) {
	fs.Var(&f.Storage, "storage", "storage backend name: filekv, inmem, mysql, pgsql or file; repeat for several backends, the first is read from")
	fs.Var(&f.DSN, "storage-dsn", "data source name of the storage backend at the same position, e.g. a directory for filekv")
	fs.Var(&f.Options, "storage-options", "comma-separated key=value options of the storage backend at the same position")
}
