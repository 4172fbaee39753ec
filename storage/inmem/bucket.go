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
	unpack func(value []byte) ([]byte, error)
	shards [shardCount]shard
}

// shard is one locked part of a bucket.
type shard struct {
	mu     sync.RWMutex
	groups map[string]map[string][]byte // first segment -> rest of key -> value
}

// newBucket returns an empty bucket. pack stores a copy of a value,
// possibly compressed, and unpack reverses it.
func newBucket(pack func(string, []byte) []byte, unpack func([]byte) ([]byte, error)) *bucket {
	b := &bucket{seed: maphash.MakeSeed(), pack: pack, unpack: unpack}
	for i := range b.shards {
		b.shards[i].groups = make(map[string]map[string][]byte)
	}
	return b
}

// split cuts key before its first "." into group and rest, so that
// group+rest is key again.
func split(key string) (group, rest string) {
	if i := strings.IndexByte(key, '.'); i >= 0 {
		return key[:i], key[i:]
	}
	return key, ""
}

func (b *bucket) shardOf(group string) *shard {
	return &b.shards[maphash.String(b.seed, group)%shardCount]
}

// Get implements kv.Bucket.
func (b *bucket) Get(_ context.Context, key string) ([]byte, error) {
	group, rest := split(key)
	sh := b.shardOf(group)
	sh.mu.RLock()
	v, ok := sh.groups[group][rest]
	sh.mu.RUnlock()
	if !ok {
		return nil, kv.KeyNotFound(key)
	}
	return b.unpack(v)
}

// Has implements kv.Bucket.
func (b *bucket) Has(_ context.Context, key string) (bool, error) {
	group, rest := split(key)
	sh := b.shardOf(group)
	sh.mu.RLock()
	_, ok := sh.groups[group][rest]
	sh.mu.RUnlock()
	return ok, nil
}

// Set implements kv.Bucket.
func (b *bucket) Set(_ context.Context, key string, value []byte) error {
	packed := b.pack(key, value)
	group, rest := split(key)
	sh := b.shardOf(group)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	g := sh.groups[group]
	if g == nil {
		g = make(map[string][]byte, 1)
		sh.groups[strings.Clone(group)] = g
	}
	g[strings.Clone(rest)] = packed
	return nil
}

// Delete implements kv.Bucket.
func (b *bucket) Delete(_ context.Context, key string) error {
	group, rest := split(key)
	sh := b.shardOf(group)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	g := sh.groups[group]
	delete(g, rest)
	if g != nil && len(g) == 0 {
		delete(sh.groups, group)
	}
	return nil
}

// KeysPrefix implements kv.Bucket. A prefix with a "." lists one group;
// a prefix without one reads every shard.
func (b *bucket) KeysPrefix(_ context.Context, prefix string) ([]string, error) {
	var keys []string
	if strings.Contains(prefix, ".") {
		group, rest := split(prefix)
		sh := b.shardOf(group)
		sh.mu.RLock()
		defer sh.mu.RUnlock()
		for name := range sh.groups[group] {
			if strings.HasPrefix(name, rest) {
				keys = append(keys, group+name)
			}
		}
		return keys, nil
	}
	for i := range b.shards {
		sh := &b.shards[i]
		sh.mu.RLock()
		for group, g := range sh.groups {
			if !strings.HasPrefix(group, prefix) {
				continue
			}
			for name := range g {
				keys = append(keys, group+name)
			}
		}
		sh.mu.RUnlock()
	}
	return keys, nil
}
