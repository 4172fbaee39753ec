package inmem

import (
	"encoding/binary"
	"strings"
)

// maxPacked is the largest number of keys a group keeps packed. Groups
// that grow past it, such as the queue of an enrollment with a long
// command history, switch to a map.
const maxPacked = 16

// group holds the keys that share a first segment. A small group is one
// byte slice of entries back to back, each a uvarint length and the rest
// of the key, then a uvarint length and the value. That costs one
// allocation per group instead of several per key, which is most of the
// memory of an enrollment. A packed slice is never modified: every change
// builds a new one, so values handed out by get stay valid.
type group struct {
	packed []byte
	big    map[string][]byte
}

// entries calls visit for each packed entry until it returns false.
func (g *group) entries(visit func(rest, value []byte) bool) {
	for b := g.packed; len(b) > 0; {
		n, w := binary.Uvarint(b)
		rest := b[w : w+int(n)]
		b = b[w+int(n):]
		n, w = binary.Uvarint(b)
		value := b[w : w+int(n) : w+int(n)]
		b = b[w+int(n):]
		if !visit(rest, value) {
			return
		}
	}
}

// get returns the value of rest.
func (g *group) get(rest string) (value []byte, ok bool) {
	if g.big != nil {
		value, ok = g.big[rest]
		return value, ok
	}
	g.entries(func(r, v []byte) bool {
		if string(r) == rest {
			value, ok = v, true
		}
		return !ok
	})
	return value, ok
}

// set stores value under rest; a nil value with remove deletes rest.
func (g *group) set(rest string, value []byte, remove bool) {
	if g.big != nil {
		if remove {
			delete(g.big, rest)
		} else {
			g.big[strings.Clone(rest)] = value
		}
		return
	}

	size, count := 0, 0
	g.entries(func(r, v []byte) bool {
		if string(r) != rest {
			size += entrySize(len(r), v)
			count++
		}
		return true
	})
	if !remove && count >= maxPacked {
		g.grow(rest, value)
		return
	}
	if !remove {
		size += entrySize(len(rest), value)
	}
	packed := make([]byte, 0, size)
	g.entries(func(r, v []byte) bool {
		if string(r) != rest {
			packed = appendEntry(packed, r, v)
		}
		return true
	})
	if !remove {
		packed = appendEntry(packed, []byte(rest), value)
	}
	g.packed = packed
}

// grow moves the packed entries and the new one into a map.
func (g *group) grow(rest string, value []byte) {
	big := make(map[string][]byte, maxPacked*2)
	g.entries(func(r, v []byte) bool {
		if string(r) != rest {
			big[string(r)] = v
		}
		return true
	})
	big[strings.Clone(rest)] = value
	g.packed, g.big = nil, big
}

// empty reports whether the group has no keys.
func (g *group) empty() bool {
	return len(g.packed) == 0 && len(g.big) == 0
}

// keys calls visit with every rest of key in the group.
func (g *group) keys(visit func(rest string)) {
	if g.big != nil {
		for rest := range g.big {
			visit(rest)
		}
		return
	}
	g.entries(func(r, _ []byte) bool {
		visit(string(r))
		return true
	})
}

func entrySize(restLen int, value []byte) int {
	return uvarintLen(restLen) + restLen + uvarintLen(len(value)) + len(value)
}

func uvarintLen(n int) int {
	var buf [binary.MaxVarintLen64]byte
	return binary.PutUvarint(buf[:], uint64(n))
}

func appendEntry(b, rest, value []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(rest)))
	b = append(b, rest...)
	b = binary.AppendUvarint(b, uint64(len(value)))
	return append(b, value...)
}
