package filekv

import (
	"bytes"
	"strings"
	"sync"
)

// userChannelInfix is in every enrollments key that records a user
// channel of a device: "<device id>.user_ch.<user id>". Listing a
// device's user channels happens on every device Authenticate.
const userChannelInfix = ".user_ch."

// dirIndexes remembers, for each shard directory of a bucket that a
// listing has read, the names in it that contain infix. Listings whose
// prefix contains infix are then served from memory, so their cost does
// not grow with the keys of other enrollments in the directory. This
// matters because iOS UDIDs all start with "0000" and share one
// directory. Only keys with
// infix are held, which keeps memory small at any fleet size.
//
// Set and Delete keep a loaded directory exact. That is only correct
// while this process is the directory's only writer, as the read cache
// already assumes. A nil *dirIndexes indexes nothing.
type dirIndexes struct {
	infix string
	dirs  sync.Map // directory path -> *dirIndex
}

// dirIndex is the set of names with the infix in one directory, grouped
// by the part before the infix. The directory is read once, under mu, on
// its first listing. A write that finishes meanwhile waits for the read
// and then updates the index, so no change is lost.
type dirIndex struct {
	mu     sync.RWMutex
	loaded bool
	stems  map[string][]string
}

func newDirIndexes(infix string) *dirIndexes {
	if infix == "" {
		return nil
	}
	return &dirIndexes{infix: infix}
}

// covers reports whether every key starting with prefix is indexed.
func (x *dirIndexes) covers(prefix string) bool {
	return x != nil && strings.Contains(prefix, x.infix)
}

// stem returns the part of key before the first infix.
func (x *dirIndexes) stem(key string) string {
	return key[:strings.Index(key, x.infix)]
}

// list returns the names in dir that start with prefix, which covers
// must accept, reading dir on its first listing.
func (x *dirIndexes) list(dir, prefix string) ([]string, error) {
	v, _ := x.dirs.LoadOrStore(dir, &dirIndex{})
	idx := v.(*dirIndex)
	idx.mu.RLock()
	if idx.loaded {
		defer idx.mu.RUnlock()
		return idx.match(x.stem(prefix), prefix), nil
	}
	idx.mu.RUnlock()

	idx.mu.Lock()
	defer idx.mu.Unlock()
	if !idx.loaded {
		infix := []byte(x.infix)
		names, err := listMatching(dir, func(name []byte) bool { return bytes.Contains(name, infix) })
		if err != nil {
			return nil, err
		}
		idx.stems = make(map[string][]string)
		for _, name := range names {
			idx.add(x.stem(name), name)
		}
		idx.loaded = true
	}
	return idx.match(x.stem(prefix), prefix), nil
}

// update runs change on the loaded index of dir when key is indexed.
// Callers hold the lock of key's shard, so the updates of one key happen
// in the order of its file changes.
func (x *dirIndexes) update(dir, key string, change func(idx *dirIndex, stem string)) {
	if !x.covers(key) {
		return
	}
	v, ok := x.dirs.Load(dir)
	if !ok {
		return
	}
	idx := v.(*dirIndex)
	idx.mu.Lock()
	defer idx.mu.Unlock()
	if idx.loaded {
		change(idx, x.stem(key))
	}
}

// added records that key, stored in dir, now exists.
func (x *dirIndexes) added(dir, key string) {
	x.update(dir, key, func(idx *dirIndex, stem string) { idx.add(stem, key) })
}

// removed records that key, stored in dir, no longer exists.
func (x *dirIndexes) removed(dir, key string) {
	x.update(dir, key, func(idx *dirIndex, stem string) { idx.remove(stem, key) })
}

// failed records that a write or delete of key in dir failed, leaving
// its file in an unknown state: the directory is read again on its next
// listing.
func (x *dirIndexes) failed(dir, key string) {
	x.update(dir, key, func(idx *dirIndex, _ string) {
		idx.loaded = false
		idx.stems = nil
	})
}

func (idx *dirIndex) add(stem, key string) {
	for _, k := range idx.stems[stem] {
		if k == key {
			return
		}
	}
	idx.stems[stem] = append(idx.stems[stem], key)
}

func (idx *dirIndex) remove(stem, key string) {
	keys := idx.stems[stem]
	for i, k := range keys {
		if k != key {
			continue
		}
		last := len(keys) - 1
		keys[i], keys[last] = keys[last], ""
		keys = keys[:last]
		if len(keys) == 0 {
			delete(idx.stems, stem)
		} else {
			idx.stems[stem] = keys
		}
		return
	}
}

// match returns a copy of the names under stem that start with prefix.
func (idx *dirIndex) match(stem, prefix string) []string {
	var keys []string
	for _, k := range idx.stems[stem] {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	return keys
}
