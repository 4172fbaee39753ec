package cryptoutil

import (
	"sync"
	"time"
)

// cacheShards is the number of independently locked parts of a
// verifyCache, so concurrent requests rarely wait on one another.
const cacheShards = 64

// window is the time span in which a verified chain stays valid, in Unix
// seconds, which is the precision of certificate validity times. It takes
// less memory than two time.Time values.
type window struct {
	notBefore, notAfter int64
}

func newWindow(notBefore, notAfter time.Time) window {
	return window{notBefore: notBefore.Unix(), notAfter: notAfter.Unix()}
}

func (w window) contains(t time.Time) bool {
	return t.Unix() >= w.notBefore && !w.expired(t)
}

// expired reports whether t is after notAfter, as x509 checks it.
func (w window) expired(t time.Time) bool {
	s := t.Unix()
	return s > w.notAfter || (s == w.notAfter && t.Nanosecond() > 0)
}

// verifyCache remembers verified certificates by the SHA-256 of their DER
// bytes. It is sharded by the first byte of the hash, and each shard holds
// at most maxPerShard entries. A nil *verifyCache remembers nothing.
type verifyCache struct {
	maxPerShard int
	shards      [cacheShards]cacheShard
}

type cacheShard struct {
	mu      sync.RWMutex
	entries map[[32]byte]window
}

// newVerifyCache returns a cache of at most size entries, rounded down to
// a multiple of cacheShards but at least one per shard, or nil when size
// is not positive.
func newVerifyCache(size int) *verifyCache {
	if size <= 0 {
		return nil
	}
	c := &verifyCache{maxPerShard: max(1, size/cacheShards)}
	for i := range c.shards {
		c.shards[i].entries = make(map[[32]byte]window)
	}
	return c
}

// contains reports whether key was verified and its chain is valid at
// now. An entry whose chain has expired is dropped.
func (c *verifyCache) contains(key [32]byte, now time.Time) bool {
	if c == nil {
		return false
	}
	s := &c.shards[key[0]%cacheShards]
	s.mu.RLock()
	w, ok := s.entries[key]
	s.mu.RUnlock()
	if !ok {
		return false
	}
	if w.contains(now) {
		return true
	}
	if w.expired(now) {
		s.mu.Lock()
		delete(s.entries, key)
		s.mu.Unlock()
	}
	return false
}

// add remembers key as verified within w. When the shard is full an
// arbitrary entry makes room, because Go map iteration starts at a random
// place.
func (c *verifyCache) add(key [32]byte, w window) {
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
	s.entries[key] = w
}
