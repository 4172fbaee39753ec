package cryptoutil

import (
	"testing"
	"time"
)

// cached reports whether c holds key at now.
func cached(c *expiringCache[struct{}], key [32]byte, now time.Time) bool {
	_, ok := c.get(key, now)
	return ok
}

func TestVerifyCacheBounded(t *testing.T) {
	c := newExpiringCache[struct{}](cacheShards * 2)
	now := time.Now()
	w := newWindow(now.Add(-time.Hour), now.Add(time.Hour))
	for i := range 1000 {
		var key [32]byte
		key[0], key[1] = byte(i), byte(i>>8)
		c.add(key, w, struct{}{})
		if !cached(c, key, now) {
			t.Fatalf("entry %d: got not cached right after add, want cached", i)
		}
	}
	for i := range c.shards {
		if n := len(c.shards[i].entries); n > c.maxPerShard {
			t.Errorf("shard %d: got %d entries, want at most %d", i, n, c.maxPerShard)
		}
	}
}

func TestVerifyCacheWindow(t *testing.T) {
	notBefore := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	notAfter := notBefore.Add(time.Hour)
	tests := []struct {
		name string
		now  time.Time
		want bool
	}{
		{name: "before NotBefore", now: notBefore.Add(-time.Nanosecond), want: false},
		{name: "at NotBefore", now: notBefore, want: true},
		{name: "inside", now: notBefore.Add(time.Minute), want: true},
		{name: "at NotAfter", now: notAfter, want: true},
		{name: "just after NotAfter", now: notAfter.Add(time.Nanosecond), want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newExpiringCache[struct{}](cacheShards)
			key := [32]byte{7}
			c.add(key, newWindow(notBefore, notAfter), struct{}{})
			if got := cached(c, key, tc.now); got != tc.want {
				t.Errorf("got cached %t at %v, want %t", got, tc.now, tc.want)
			}
		})
	}
}

func TestVerifyCacheDropsExpired(t *testing.T) {
	c := newExpiringCache[struct{}](cacheShards)
	now := time.Now()
	key := [32]byte{9}
	c.add(key, newWindow(now.Add(-time.Hour), now), struct{}{})
	cached(c, key, now.Add(time.Second))
	if n := len(c.shards[key[0]%cacheShards].entries); n != 0 {
		t.Errorf("got %d entries after expiry, want 0", n)
	}
}

func TestVerifyCacheDisabled(t *testing.T) {
	c := newExpiringCache[struct{}](0)
	if c != nil {
		t.Fatalf("got cache %v for size 0, want nil", c)
	}
	key := [32]byte{1}
	c.add(key, window{}, struct{}{})
	if cached(c, key, time.Now()) {
		t.Error("got cached from a disabled cache, want not cached")
	}
}
