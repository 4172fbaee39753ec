package filekv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/mdmforge/nanomdm/storage/kv"
)

// shardCount is the number of independently locked shards per bucket.
// A key's shard follows from a hash of the whole key, so keys that share
// a directory, such as every key of one enrollment, spread over all
// shards. Writes that race on one directory are handled in writeFile and
// removeFile instead.
const shardCount = 256

// bucket is a kv.Bucket stored in one directory in NanoMDM's layout, with
// a write-through cache of small values and of missing keys. The cache is
// only correct while this process is the directory's only writer.
type bucket struct {
	dir    string
	strip  bool // strip pushTopicPrefix when picking directories
	seed   maphash.Seed
	shards [shardCount]shard
	index  *dirIndexes // nil when no listing is indexed
}

// newBucket returns the bucket stored in dir. cacheSize is the maximum
// number of cached bytes for the whole bucket. Listings of prefixes that
// contain indexInfix, when it is not empty, are answered from memory
// after the first one of each directory.
func newBucket(dir string, strip bool, cacheSize int, indexInfix string) *bucket {
	b := &bucket{dir: dir, strip: strip, seed: maphash.MakeSeed(), index: newDirIndexes(indexInfix)}
	for i := range b.shards {
		b.shards[i].cache = newCache(cacheSize / shardCount)
	}
	return b
}

// shard is one part of a bucket: the cache of its keys. mu orders cache
// updates with the writes they mirror, and the writes of one key.
type shard struct {
	mu    sync.RWMutex
	cache cache
}

func (b *bucket) shardOf(key string) *shard {
	return &b.shards[maphash.String(b.seed, key)%shardCount]
}

// path returns the file name of key.
func (b *bucket) path(key string) string {
	name := shardName(key, b.strip)
	return filepath.Join(b.dir, name[0:2], name[2:4], key)
}

// maxKeyLen is the longest file name, in bytes, that Linux, macOS and
// Windows file systems accept (NAME_MAX on Linux).
const maxKeyLen = 255

// checkKey rejects keys that cannot be file names: empty ones, "." and
// "..", ones with a path separator or a NUL byte, and ones longer than
// maxKeyLen bytes.
func checkKey(key string) error {
	if key == "" || key == "." || key == ".." || strings.ContainsAny(key, string(os.PathSeparator)+"\x00") {
		return fmt.Errorf("invalid key %q: not usable as a file name", key)
	}
	if len(key) > maxKeyLen {
		return fmt.Errorf("invalid key %.40q...: %d bytes, longer than the %d a file name may have", key, len(key), maxKeyLen)
	}
	return nil
}

// Get implements kv.Bucket. A key that cannot be a file name is not
// found, because it cannot have been stored.
func (b *bucket) Get(_ context.Context, key string) ([]byte, error) {
	if checkKey(key) != nil {
		return nil, kv.KeyNotFound(key)
	}
	sh := b.shardOf(key)
	e, ok, gen := sh.lookup(key)
	if ok && e.state == stateAbsent {
		return nil, kv.KeyNotFound(key)
	}
	if ok && e.state == stateValue {
		return e.value, nil
	}

	value, err := readFile(b.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		sh.fill(gen, key, entry{state: stateAbsent})
		return nil, kv.KeyNotFound(key)
	} else if err != nil {
		return nil, fmt.Errorf("reading %s: %w", key, err)
	}
	sh.fill(gen, key, entry{state: stateValue, value: value})
	return value, nil
}

// lookup returns the cached entry of key, if any, and the write count to
// pass to fill after reading the file.
func (sh *shard) lookup(key string) (e entry, ok bool, gen uint64) {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	e, ok = sh.cache.get(key)
	return e, ok, sh.cache.gen
}

// fill caches what a read found, unless the shard changed since gen was
// taken, because the read may then have seen an older file.
func (sh *shard) fill(gen uint64, key string, e entry) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.cache.gen == gen {
		sh.cache.put(key, e)
	}
}

// Has implements kv.Bucket. A key that cannot be a file name is not
// stored.
func (b *bucket) Has(_ context.Context, key string) (bool, error) {
	if checkKey(key) != nil {
		return false, nil
	}
	sh := b.shardOf(key)
	e, ok, gen := sh.lookup(key)
	if ok {
		return e.state != stateAbsent, nil
	}

	info, err := os.Stat(b.path(key))
	if errors.Is(err, fs.ErrNotExist) || (err == nil && info.IsDir()) {
		sh.fill(gen, key, entry{state: stateAbsent})
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("looking up %s: %w", key, err)
	}
	sh.fill(gen, key, entry{state: stateExists})
	return true, nil
}

// Set implements kv.Bucket.
func (b *bucket) Set(_ context.Context, key string, value []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	sh := b.shardOf(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	prev, known := sh.cache.get(key)
	if known && prev.state == stateValue && bytes.Equal(prev.value, value) {
		return nil
	}
	sh.cache.gen++
	name := b.path(key)
	if err := writeFile(name, value, needsTruncate(prev, known, len(value))); err != nil {
		sh.cache.remove(key)
		b.index.failed(filepath.Dir(name), key)
		return fmt.Errorf("writing %s: %w", key, err)
	}
	b.index.added(filepath.Dir(name), key)
	sh.cache.put(key, entry{state: stateValue, value: append([]byte(nil), value...)})
	return nil
}

// Delete implements kv.Bucket.
func (b *bucket) Delete(_ context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	sh := b.shardOf(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e, ok := sh.cache.get(key); ok && e.state == stateAbsent {
		return nil
	}
	sh.cache.gen++
	name := b.path(key)
	if err := removeFile(b.dir, name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		sh.cache.remove(key)
		b.index.failed(filepath.Dir(name), key)
		return fmt.Errorf("deleting %s: %w", key, err)
	}
	b.index.removed(filepath.Dir(name), key)
	sh.cache.put(key, entry{state: stateAbsent})
	return nil
}

// KeysPrefix implements kv.Bucket. A prefix of four or more bytes names
// one directory, which is all it reads, or which the bucket's index
// answers for. A shorter one walks the bucket.
func (b *bucket) KeysPrefix(_ context.Context, prefix string) ([]string, error) {
	stripped := prefix
	if b.strip {
		stripped = strings.TrimPrefix(prefix, pushTopicPrefix)
	}
	var keys []string
	var err error
	switch {
	case len(stripped) >= 4 && b.index.covers(prefix):
		keys, err = b.index.list(filepath.Dir(b.path(prefix)), prefix)
	case len(stripped) >= 4:
		keys, err = listPrefix(filepath.Dir(b.path(prefix)), prefix)
	default:
		keys, err = walkPrefix(b.dir, prefix)
	}
	if err != nil {
		return nil, fmt.Errorf("listing keys with prefix %q: %w", prefix, err)
	}
	return keys, nil
}

// walkPrefix returns the names of the files under root, at any depth,
// that start with prefix. A missing root has none.
func walkPrefix(root, prefix string) ([]string, error) {
	var keys []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		} else if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasPrefix(d.Name(), prefix) {
			keys = append(keys, d.Name())
		}
		return nil
	})
	return keys, err
}
