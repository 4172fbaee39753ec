// Package inmem is a storage backend that keeps everything in process
// memory, lost on exit. It runs the same logic as filekv (package kv)
// over sharded maps.
package inmem

import (
	"github.com/mdmforge/nanomdm/storage/kv"
)

// InMem is an in-memory storage backend. It is safe for concurrent use.
type InMem struct {
	*kv.KV
}

// New returns an empty in-memory backend. opts are passed to [kv.New].
func New(opts ...kv.Option) *InMem {
	plain := func() kv.Bucket { return newBucket(copyValue, unpackPlain) }
	return &InMem{KV: kv.New(kv.Buckets{
		Devices:     plain(),
		Users:       plain(),
		Enrollments: plain(),
		CertAuth:    plain(),
		Queue:       plain(),
		PushCert:    plain(),
	}, opts...)}
}

// copyValue stores a copy of value as is.
func copyValue(_ string, value []byte) []byte {
	return append([]byte(nil), value...)
}

// unpackPlain returns a stored value unchanged.
func unpackPlain(value []byte) ([]byte, error) { return value, nil }
