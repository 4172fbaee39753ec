// Package filekv is the default storage backend: package kv's logic over
// files in a directory, in the layout NanoMDM's filekv backend uses, so
// either server can open a directory the other wrote.
//
// Each bucket is a directory under the root: devices, users, enrollments,
// cert_auth, queue and push_cert. Each key is one file, named by the
// whole key, two directory levels down: "<k[0:2]>/<k[2:4]>/<key>", where
// keys shorter than four bytes are left-padded with '0' for the
// directories only, and push_cert keys are placed by the part after
// "com.apple.mgmt.External.". Files hold the raw value. Directories are
// created with mode 0777 and files with 0666, both less the umask.
//
// This is the layout github.com/peterbourgon/diskv/v3 writes with the
// transform NanoMDM configures. The package reads and writes it with its
// own file code instead of through diskv, because diskv lists the whole
// directory on every delete and truncates files before rewriting them,
// which made every Authenticate slower as the fleet grew. The tests check
// the layout against diskv itself in both directions.
//
// Only one process may use a directory at a time: locks and the read
// cache live in the process.
package filekv

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/mdmforge/nanomdm/storage/kv"
)

// Bucket directory names, as NanoMDM names them.
const (
	bucketDevices     = "devices"
	bucketUsers       = "users"
	bucketEnrollments = "enrollments"
	bucketCertAuth    = "cert_auth"
	bucketQueue       = "queue"
	bucketPushCert    = "push_cert"
)

// defaultCacheSize is the default read cache size for all buckets
// together, in bytes.
const defaultCacheSize = 48 << 20

// FileKV is the file-backed storage backend. It is safe for concurrent
// use.
type FileKV struct {
	*kv.KV
}

type config struct {
	cacheSize int
	kvOpts    []kv.Option
}

// Option configures a FileKV.
type Option func(*config)

// WithLogger sets the logger for damage found in stored queues. The
// default discards everything.
func WithLogger(logger *slog.Logger) Option {
	return func(c *config) { c.kvOpts = append(c.kvOpts, kv.WithLogger(logger)) }
}

// WithClock sets the clock for stored times. The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.kvOpts = append(c.kvOpts, kv.WithClock(now)) }
}

// WithCacheSize sets how many bytes of values and lookups the read cache
// keeps across all buckets. The default is 48 MiB; 0 turns the cache off.
func WithCacheSize(bytes int) Option {
	return func(c *config) { c.cacheSize = bytes }
}

// New opens, creating it if needed, the storage directory dir.
func New(dir string, opts ...Option) (*FileKV, error) {
	if dir == "" {
		return nil, errors.New("filekv: missing directory")
	}
	// NOTE(parity): NanoMDM deletes a queue's first, last, next and prev
	// files when it clears them. This backend leaves them empty, which
	// NanoMDM reads as no link, because creating a file again costs far
	// more than overwriting it.
	cfg := config{cacheSize: defaultCacheSize, kvOpts: []kv.Option{kv.WithEmptyLinks()}}
	for _, opt := range opts {
		opt(&cfg)
	}

	if err := os.MkdirAll(dir, dirMode); err != nil {
		return nil, fmt.Errorf("filekv: creating %s: %w", dir, err)
	}

	open := func(name string) *bucket {
		infix := ""
		if name == bucketEnrollments {
			infix = userChannelInfix
		}
		return newBucket(filepath.Join(dir, name), name == bucketPushCert, cfg.cacheSize/6, infix)
	}
	return &FileKV{KV: kv.New(kv.Buckets{
		Devices:     open(bucketDevices),
		Users:       open(bucketUsers),
		Enrollments: open(bucketEnrollments),
		CertAuth:    open(bucketCertAuth),
		Queue:       open(bucketQueue),
		PushCert:    open(bucketPushCert),
	}, cfg.kvOpts...)}, nil
}
