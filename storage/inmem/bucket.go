package inmem

import (
	"context"
	"hash/maphash"
	"strings"
	"sync"

	"github.com/mdmforge/nanomdm/storage/kv"
)

// shardCount is the number of independently locked shards per bucket.
const shardCount = 256

// bucket is an in-memory kv.Bucket. Keys are grouped by their first
// segment, the text before the first ".", which is the enrollment ID,
// command UUID, hash or topic. Groups are spread over shards, each with
// its own lock, so requests of different enrollments rarely share a lock
// and listing "<id>." prefixes only reads one group.
type bucket struct {
	seed   maphash.Seed
	pack   func(key string, value []byte) []byte
	unpack func(stored []byte) ([]byte, error)
	shards [shardCount]shard
}

// shard is one locked part of a bucket.
type shard struct {
	mu     sync.RWMutex
	groups map[string]group // by first segment of the key
}

// newBucket returns an empty bucket. pack returns the copy of a value to
// keep, possibly compressed, and unpack reverses it. Values handed out by
// Get may be the kept copy itself, so callers must not modify them.
func newBucket(pack func(string, []byte) []byte, unpack func([]byte) ([]byte, error)) *bucket {
	b := &bucket{seed: maphash.MakeSeed(), pack: pack, unpack: unpack}
	for i := range b.shards {
		b.shards[i].groups = make(map[string]group)
	}
	return b
}

// split cuts key before its first "." into the group name and the rest,
// so that name+rest is key again.
func split(key string) (name, rest string) {
	if i := strings.IndexByte(key, '.'); i >= 0 {
		return key[:i], key[i:]
	}
	return key, ""
}

func (b *bucket) shardOf(name string) *shard {
	return &b.shards[maphash.String(b.seed, name)%shardCount]
}

// lookup returns the stored copy of key.
func (b *bucket) lookup(key string) ([]byte, bool) {
	name, rest := split(key)
	sh := b.shardOf(name)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	g, ok := sh.groups[name]
	if !ok {
		return nil, false
	}
	return g.get(rest)
}

// Get implements kv.Bucket.
func (b *bucket) Get(_ context.Context, key string) ([]byte, error) {
	stored, ok := b.lookup(key)
	if !ok {
		return nil, kv.KeyNotFound(key)
	}
	return b.unpack(stored)
}

// Has implements kv.Bucket.
func (b *bucket) Has(_ context.Context, key string) (bool, error) {
	_, ok := b.lookup(key)
	return ok, nil
}

// Set implements kv.Bucket.
func (b *bucket) Set(_ context.Context, key string, value []byte) error {
	b.update(key, b.pack(key, value), false)
	return nil
}

// Delete implements kv.Bucket.
func (b *bucket) Delete(_ context.Context, key string) error {
	b.update(key, nil, true)
	return nil
}

// update stores or removes key under its shard's lock.
func (b *bucket) update(key string, stored []byte, remove bool) {
	name, rest := split(key)
	sh := b.shardOf(name)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	g, ok := sh.groups[name]
	if !ok && remove {
		return
	}
	g.set(rest, stored, remove)
	switch {
	case g.empty():
		delete(sh.groups, name)
	case ok:
		sh.groups[name] = g
	default:
		sh.groups[strings.Clone(name)] = g
	}
}

// KeysPrefix implements kv.Bucket. A prefix with a "." lists one group;
// a prefix without one reads every shard.
func (b *bucket) KeysPrefix(_ context.Context, prefix string) ([]string, error) {
	var keys []string
	if strings.Contains(prefix, ".") {
		name, rest := split(prefix)
		sh := b.shardOf(name)
		sh.mu.RLock()
		defer sh.mu.RUnlock()
		g := sh.groups[name]
		g.keys(func(r string) {
			if strings.HasPrefix(r, rest) {
				keys = append(keys, name+r)
			}
		})
		return keys, nil
	}
	for i := range b.shards {
		sh := &b.shards[i]
		sh.mu.RLock()
		for name, g := range sh.groups {
			if strings.HasPrefix(name, prefix) {
				g.keys(func(r string) { keys = append(keys, name+r) })
			}
		}
		sh.mu.RUnlock()
	}
	return keys, nil
}
