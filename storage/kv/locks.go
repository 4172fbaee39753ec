package kv

import (
	"hash/maphash"
	"sync"
)

// lockStripes is the number of mutexes in a stripedMutex. Two keys share
// a mutex only when their hashes collide, so unrelated enrollments rarely
// wait for each other.
const lockStripes = 1024

// stripedMutex is a fixed set of mutexes picked by the hash of a key. It
// serializes the read-modify-write steps of one key without one lock for
// all keys. The zero value is ready to use.
type stripedMutex struct {
	seed  maphash.Seed
	once  sync.Once
	locks [lockStripes]sync.Mutex
}

// lock locks the mutex for key and returns its unlock function.
func (m *stripedMutex) lock(key string) func() {
	m.once.Do(func() { m.seed = maphash.MakeSeed() })
	mu := &m.locks[maphash.String(m.seed, key)%lockStripes]
	mu.Lock()
	return mu.Unlock
}
