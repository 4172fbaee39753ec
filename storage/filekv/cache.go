package filekv

// maxCachedValue is the largest value the cache keeps. Larger values are
// raw messages and reports, which are read rarely or never.
const maxCachedValue = 2048

// entryOverhead estimates the bytes a cache entry costs beyond its key
// and value: the map slot and the slice header.
const entryOverhead = 64

// Cache entry states.
const (
	stateAbsent = iota + 1 // the key is not stored
	stateExists            // the key is stored, its value is not cached
	stateValue             // the key is stored with value
)

// entry is the cached state of one key.
type entry struct {
	state uint8
	value []byte
}

// cache maps keys to their cached state, up to max bytes. When full
// it drops entries in map order, which Go randomizes. gen counts writes,
// so a read can tell whether a write happened while it ran. It is not
// safe for concurrent use; the shard's lock guards it.
type cache struct {
	entries map[string]entry
	size    int
	max     int
	gen     uint64
}

func newCache(max int) cache {
	return cache{entries: make(map[string]entry), max: max}
}

func entrySize(key string, e entry) int {
	return len(key) + len(e.value) + entryOverhead
}

func (c *cache) get(key string) (entry, bool) {
	e, ok := c.entries[key]
	return e, ok
}

// put records e for key. A value too large to keep is recorded as
// stateExists.
func (c *cache) put(key string, e entry) {
	c.remove(key)
	if e.state == stateValue && len(e.value) > maxCachedValue {
		e = entry{state: stateExists}
	}
	size := entrySize(key, e)
	if size > c.max {
		return
	}
	for k, old := range c.entries {
		if c.size+size <= c.max {
			break
		}
		c.size -= entrySize(k, old)
		delete(c.entries, k)
	}
	c.entries[key] = e
	c.size += size
}

func (c *cache) remove(key string) {
	if old, ok := c.entries[key]; ok {
		c.size -= entrySize(key, old)
		delete(c.entries, key)
	}
}
