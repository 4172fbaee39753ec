// Package kv implements every storage interface over six key-value
// buckets, with NanoMDM's key names and value encodings so that a filekv
// directory written by NanoMDM keeps working and NanoMDM can still read
// one written here. The filekv and inmem backends supply the buckets.
//
// Keys are "<id>.<name>". Raw messages and tokens are stored as received,
// numbers as decimal text, times as decimal microseconds since the Unix
// epoch and flags as "1".
//
// Each enrollment's command queue is a doubly linked list of command
// UUIDs. Changes to one enrollment's list hold a lock chosen by its ID, so
// requests of different enrollments do not wait for each other.
package kv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/storage"
)

// ErrKeyNotFound is wrapped by [Bucket.Get] for a key that is not stored.
var ErrKeyNotFound = errors.New("key not found")

// KeyNotFound returns the error a [Bucket] returns for a missing key:
// "key not found: <key>", wrapping [ErrKeyNotFound].
func KeyNotFound(key string) error {
	return fmt.Errorf("%w: %s", ErrKeyNotFound, key)
}

// Bucket is one named key space. Implementations are safe for concurrent
// use; the KV locks around read-modify-write sequences itself.
type Bucket interface {
	// Get returns the value of key, or an error wrapping ErrKeyNotFound
	// (see KeyNotFound) when it is not stored. The caller must not
	// modify the returned slice.
	Get(ctx context.Context, key string) ([]byte, error)

	// Has reports whether key is stored.
	Has(ctx context.Context, key string) (bool, error)

	// Set stores value under key, replacing any earlier value. The
	// bucket does not keep a reference to value.
	Set(ctx context.Context, key string, value []byte) error

	// Delete removes key. Deleting a key that is not stored is not an
	// error.
	Delete(ctx context.Context, key string) error

	// KeysPrefix returns every stored key that starts with prefix, in no
	// particular order.
	KeysPrefix(ctx context.Context, prefix string) ([]string, error)
}

// Buckets are the six buckets a KV stores into, named as NanoMDM names
// their directories.
type Buckets struct {
	Devices     Bucket // "devices": device channel check-ins
	Users       Bucket // "users": user channel check-ins
	Enrollments Bucket // "enrollments": push details, state and tallies
	CertAuth    Bucket // "cert_auth": identity certificate bindings
	Queue       Bucket // "queue": commands, queues and reports
	PushCert    Bucket // "push_cert": APNs certificates by topic
}

// KV implements [storage.AllStorage] over [Buckets]. It is safe for
// concurrent use. Only one KV may use a given set of buckets at a time,
// because its locks live in this process.
type KV struct {
	devices     Bucket
	users       Bucket
	enrollments Bucket
	certAuth    Bucket
	queue       Bucket
	pushCert    Bucket

	idLocks       stripedMutex // enrollment IDs: queue lists and tallies
	keyLocks      stripedMutex // command UUIDs and push topics
	now           func() time.Time
	logger        *slog.Logger
	emptyLinks    bool
	skipWriteOnly bool
}

// Option configures a KV.
type Option func(*KV)

// WithClock sets the clock for last-seen and enrolled-at times. The
// default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(s *KV) { s.now = now }
}

// WithLogger sets the logger for damage found in stored queues. The
// default discards everything.
func WithLogger(logger *slog.Logger) Option {
	return func(s *KV) { s.logger = logger }
}

// WithEmptyLinks makes queue links and ends be cleared by storing an
// empty value instead of deleting the key, which NanoMDM reads the same
// way. On file storage this is an overwrite in place, where a delete
// means creating the file again for the next command.
func WithEmptyLinks() Option {
	return func(s *KV) { s.emptyLinks = true }
}

// WithoutWriteOnlyKeys leaves out the keys no method reads: the identity
// certificate, serial number, unlock token, enrolled-at and last-seen
// times. It suits storage that nothing else can read, such as memory,
// where it saves space and a write per request.
func WithoutWriteOnlyKeys() Option {
	return func(s *KV) { s.skipWriteOnly = true }
}

// New returns a KV storing into b. Every bucket must be set.
func New(b Buckets, opts ...Option) *KV {
	if b.Devices == nil || b.Users == nil || b.Enrollments == nil ||
		b.CertAuth == nil || b.Queue == nil || b.PushCert == nil {
		panic("kv: New called with a nil bucket")
	}
	s := &KV{
		devices:     b.Devices,
		users:       b.Users,
		enrollments: b.Enrollments,
		certAuth:    b.CertAuth,
		queue:       b.Queue,
		pushCert:    b.PushCert,
		now:         time.Now,
		logger:      log.Nop(),
	}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// keySep separates the parts of a key.
const keySep = "."

// join builds a key from its parts.
func join(parts ...string) string {
	return strings.Join(parts, keySep)
}

// formatTime encodes t as decimal microseconds since the Unix epoch.
func formatTime(t time.Time) []byte {
	return strconv.AppendInt(nil, t.UnixMicro(), 10)
}

// getOptional returns the value of key, or nil with no error when it is
// not stored.
func getOptional(ctx context.Context, b Bucket, key string) ([]byte, error) {
	v, err := b.Get(ctx, key)
	if errors.Is(err, ErrKeyNotFound) {
		return nil, nil
	}
	return v, err
}

// getString is getOptional for a text value; "" means not stored.
func getString(ctx context.Context, b Bucket, key string) (string, error) {
	v, err := getOptional(ctx, b, key)
	return string(v), err
}

// deleteKeys deletes each key in turn.
func deleteKeys(ctx context.Context, b Bucket, keys ...string) error {
	for _, key := range keys {
		if err := b.Delete(ctx, key); err != nil {
			return fmt.Errorf("deleting %s: %w", key, err)
		}
	}
	return nil
}

// setKeys stores pairs of key and value in turn.
func setKeys(ctx context.Context, b Bucket, pairs ...kvPair) error {
	for _, p := range pairs {
		if err := b.Set(ctx, p.key, p.value); err != nil {
			return fmt.Errorf("setting %s: %w", p.key, err)
		}
	}
	return nil
}

// kvPair is one key and its value.
type kvPair struct {
	key   string
	value []byte
}

var _ storage.AllStorage = (*KV)(nil)
