package cli_test

import (
	"bytes"
	"errors"
	"flag"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/cmd/internal/cli"
	"github.com/mdmforge/nanomdm/log"
)

func parse(t *testing.T, args ...string) *cli.StorageFlags {
	t.Helper()
	var f cli.StorageFlags
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	f.Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return &f
}

func TestBackends(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    []cli.Backend
		wantErr error
	}{
		{name: "default", want: []cli.Backend{{Name: "filekv", DSN: "dbkv"}}},
		{name: "one", args: []string{"-storage", "inmem", "-storage-dsn", ""}, want: []cli.Backend{{Name: "inmem"}}},
		{name: "two with options", args: []string{"-storage", "mysql", "-storage-dsn", "a", "-storage-options", "delete=1", "-storage", "inmem", "-storage-dsn", "", "-storage-options", ""},
			want: []cli.Backend{{Name: "mysql", DSN: "a", Options: "delete=1"}, {Name: "inmem"}}},
		{name: "storage without DSN", args: []string{"-storage", "inmem"}, wantErr: cli.ErrDSNCount},
		{name: "DSN without storage", args: []string{"-storage-dsn", "x"}, wantErr: cli.ErrDSNCount},
		{name: "options without storage", args: []string{"-storage-options", ""}, wantErr: cli.ErrOptionsCount},
		{name: "options for one of two", args: []string{"-storage", "inmem", "-storage-dsn", "", "-storage", "inmem", "-storage-dsn", "", "-storage-options", ""}, wantErr: cli.ErrOptionsCount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parse(t, tt.args...).Backends()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v, want %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got backends %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "filekv without DSN", args: []string{"-storage", "filekv", "-storage-dsn", ""}, want: "missing required DSN"},
		{name: "filekv with options", args: []string{"-storage", "filekv", "-storage-dsn", "x", "-storage-options", "a=b"}, want: "storage backend does not support options, please specify no (or empty) options"},
		{name: "inmem with options", args: []string{"-storage", "inmem", "-storage-dsn", "", "-storage-options", "a=b"}, want: "storage backend does not support options, please specify no (or empty) options"},
		{name: "file not enabled", args: []string{"-storage", "file", "-storage-dsn", ""}, want: "file backend is deprecated; specify storage options to force enable"},
		{name: "file without DSN", args: []string{"-storage", "file", "-storage-dsn", "", "-storage-options", "enable_deprecated=1"}, want: "missing required DSN"},
		{name: "unknown", args: []string{"-storage", "redis", "-storage-dsn", ""}, want: "unknown storage: redis"},
		{name: "mysql bad option", args: []string{"-storage", "mysql", "-storage-dsn", "", "-storage-options", "nope=1"}, want: `invalid option: "nope"`},
		{name: "pgsql lifetime", args: []string{"-storage", "pgsql", "-storage-dsn", "", "-storage-options", "conn_max_lifetime=1s"}, want: `invalid option: "conn_max_lifetime"`},
		{name: "second backend bad", args: []string{"-storage", "inmem", "-storage-dsn", "", "-storage", "bogus", "-storage-dsn", ""}, want: "unknown storage: bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parse(t, tt.args...).Open(log.Nop())
			if err == nil || err.Error() != tt.want {
				t.Errorf("got error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestOpenBackends(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
	}{
		{name: "inmem", args: []string{"-storage", "inmem", "-storage-dsn", "ignored"}},
		{name: "filekv", args: []string{"-storage", "filekv", "-storage-dsn", filepath.Join(dir, "kv")}},
		{name: "file", args: []string{"-storage", "file", "-storage-dsn", filepath.Join(dir, "file"), "-storage-options", "enable_deprecated=1"}},
		{name: "multi", args: []string{"-storage", "inmem", "-storage-dsn", "", "-storage", "filekv", "-storage-dsn", filepath.Join(dir, "multi")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store, err := parse(t, tt.args...).Open(log.Nop())
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if err := cli.Close(store); err != nil {
				t.Errorf("closing: got error %v, want none", err)
			}
		})
	}
}

func TestOpenLogsEachBackend(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	f := parse(t, "-storage", "inmem", "-storage-dsn", "", "-storage", "filekv", "-storage-dsn", filepath.Join(t.TempDir(), "kv"))
	store, err := f.Open(log.New(&logs, false))
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close(store)

	for _, want := range []string{
		`msg="storage setup" storage=inmem`,
		`msg="storage setup" storage=filekv`,
		`msg="storage setup" storage=multi-storage count=2`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log %q does not contain %q", logs.String(), want)
		}
	}
}
