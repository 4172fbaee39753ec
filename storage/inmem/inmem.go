// Package inmem is a storage backend that keeps everything in process
// memory, lost on exit. It runs the same logic as filekv (package kv)
// over sharded maps.
//
// To keep 100,000 enrollments well under 200 MB, the keys of one
// enrollment share one packed allocation; raw check-in messages and
// command reports, which only migration reads or nothing reads, are kept
// with their common plist text replaced by single bytes; and keys that
// nothing reads back, such as identity certificates and last-seen times,
// are not kept at all (see [kv.WithoutWriteOnlyKeys]).
package inmem

import (
	"github.com/mdmforge/nanomdm/storage/kv"
)

// InMem is an in-memory storage backend. It is safe for concurrent use.
type InMem struct {
	*kv.KV
}

// New returns an empty in-memory backend. opts are passed to [kv.New]
// after [kv.WithoutWriteOnlyKeys].
func New(opts ...kv.Option) *InMem {
	plain := func() kv.Bucket { return newBucket(copyValue, unpackPlain) }
	messages := func() kv.Bucket { return newBucket(compressor(minCompressed, anyKey), decompress) }
	return &InMem{KV: kv.New(kv.Buckets{
		Devices:     messages(),
		Users:       messages(),
		Enrollments: plain(),
		CertAuth:    plain(),
		Queue:       newBucket(compressor(minCompressed, isReport), decompress),
		PushCert:    plain(),
	}, append([]kv.Option{kv.WithoutWriteOnlyKeys()}, opts...)...)}
}

// minCompressed is the smallest value worth encoding, in bytes; a plist
// shorter than that has little to shrink.
const minCompressed = 128

// copyValue stores a copy of value as is.
func copyValue(_ string, value []byte) []byte {
	return append([]byte(nil), value...)
}

// unpackPlain returns a stored value unchanged.
func unpackPlain(value []byte) ([]byte, error) { return value, nil }
