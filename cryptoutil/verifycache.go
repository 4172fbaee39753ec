package cryptoutil

import (
	"math"
	"sync"
	"time"
)

// cacheShards is the number of independently locked parts of an
// expiringCache, so concurrent requests rarely wait on one another.
const cacheShards = 64

// window is the time span in which a cached result stays valid, in Unix
// seconds, which is the precision of certificate validity times. It takes
// less memory than two time.Time values.
type window struct {
	notBefore, notAfter int64
}

func newWindow(notBefore, notAfter time.Time) window {
	return window{notBefore: notBefore.Unix(), notAfter: notAfter.Unix()}
}

// untilWindow returns a window that starts at once and ends at notAfter.
func untilWindow(notAfter time.Time) window {
	return window{notBefore: math.MinInt64, notAfter: notAfter.Unix()}
}

func (w window) contains(t time.Time) bool {
	return t.Unix() >= w.notBefore && !w.expired(t)
}

// expired reports whether t is after notAfter, as x509 checks it.
func (w window) expired(t time.Time) bool {
	s := t.Unix()
	return s > w.notAfter || (s == w.notAfter && t.Nanosecond() > 0)
}

// expiringCache maps SHA-256 keys to values that hold within a window. It
// is sharded by the first byte of the key, and each shard holds at most
// maxPerShard entries. A nil *expiringCache remembers nothing.
type expiringCache[V any] struct {
	maxPerShard int
	shards      [cacheShards]cacheShard[V]
}

type cacheShard[V any] struct {
	mu      sync.RWMutex
	entries map[[32]byte]cacheEntry[V]
}

type cacheEntry[V any] struct {
	value V
	valid window
}

// newExpiringCache returns a cache of at most size entries, rounded down
// to a multiple of cacheShards but at least one per shard, or nil when
// size is not positive.
func newExpiringCache[V any](size int) *expiringCache[V] {
	if size <= 0 {
		return nil
	}
	c := &expiringCache[V]{maxPerShard: max(1, size/cacheShards)}
	for i := range c.shards {
		c.shards[i].entries = make(map[[32]byte]cacheEntry[V])
	}
	return c
}

// get returns the value stored under key if its window contains now. An
// entry whose window has ended is dropped.
func (c *expiringCache[V]) get(key [32]byte, now time.Time) (V, bool) {
	var zero V
	if c == nil {
		return zero, false
	}
	s := &c.shards[key[0]%cacheShards]
	s.mu.RLock()
	e, ok := s.entries[key]
	s.mu.RUnlock()
	if !ok {
		return zero, false
	}
	if e.valid.contains(now) {
		return e.value, true
	}
	if e.valid.expired(now) {
		s.mu.Lock()
		delete(s.entries, key)
		s.mu.Unlock()
	}
	return zero, false
}

// add stores value under key for the window valid. When the shard is full
// an arbitrary entry makes room, because Go map iteration starts at a
// random place.
func (c *expiringCache[V]) add(key [32]byte, valid window, value V) {
	if c == nil {
		return
	}
	s := &c.shards[key[0]%cacheShards]
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.entries[key]; !ok && len(s.entries) >= c.maxPerShard {
		for old := range s.entries {
			delete(s.entries, old)
			break
		}
	}
	s.entries[key] = cacheEntry[V]{value: value, valid: valid}
}
