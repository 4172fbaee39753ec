package mdm_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
)

// bplist builds a binary plist from encoded objects, with two-byte object
// references and four-byte offsets unless a test changes them.
type bplist struct {
	objects    [][]byte
	root       uint64
	refSize    byte
	offsetSize byte

	// tableOffset, when set, replaces the offset table position written
	// into the trailer.
	tableOffset uint64
}

// add appends an encoded object and returns its index.
func (b *bplist) add(obj []byte) uint16 {
	b.objects = append(b.objects, obj)
	return uint16(len(b.objects) - 1)
}

// ascii encodes an ASCII string object shorter than 256 bytes.
func ascii(s string) []byte {
	if len(s) < 15 {
		return append([]byte{0x50 | byte(len(s))}, s...)
	}
	return append([]byte{0x5F, 0x10, byte(len(s))}, s...)
}

// container encodes an array (marker 0xA0) or dictionary (0xD0) with fewer
// than 15 entries and two-byte references. A dictionary lists the
// references of its keys before those of its values.
func container(marker byte, count int, refs ...uint16) []byte {
	out := []byte{marker | byte(count)}
	for _, r := range refs {
		out = binary.BigEndian.AppendUint16(out, r)
	}
	return out
}

func (b *bplist) bytes() []byte {
	if b.refSize == 0 {
		b.refSize = 2
	}
	if b.offsetSize == 0 {
		b.offsetSize = 4
	}
	out := []byte("bplist00")
	var offsets []uint32
	for _, obj := range b.objects {
		offsets = append(offsets, uint32(len(out)))
		out = append(out, obj...)
	}
	table := uint64(len(out))
	for _, off := range offsets {
		var buf [4]byte
		binary.BigEndian.PutUint32(buf[:], off)
		out = append(out, buf[4-int(b.offsetSize):]...)
	}
	if b.tableOffset != 0 {
		table = b.tableOffset
	}
	out = append(out, 0, 0, 0, 0, 0, 0, b.offsetSize, b.refSize)
	out = binary.BigEndian.AppendUint64(out, uint64(len(b.objects)))
	out = binary.BigEndian.AppendUint64(out, b.root)
	return binary.BigEndian.AppendUint64(out, table)
}

// checkOutDict returns a CheckOut check-in for udid as a binary plist.
func checkOutDict(udid string) *bplist {
	b := &bplist{}
	k1 := b.add(ascii("MessageType"))
	k2 := b.add(ascii("UDID"))
	v1 := b.add(ascii(mdm.MessageCheckOut))
	v2 := b.add(ascii(udid))
	b.root = uint64(b.add(container(0xD0, 2, k1, k2, v1, v2)))
	return b
}

func TestDecodeCheckinBinaryBuilt(t *testing.T) {
	t.Parallel()
	msg, err := mdm.DecodeCheckin(checkOutDict("DEV-1").bytes())
	if err != nil {
		t.Fatalf("DecodeCheckin: %v", err)
	}
	checkOut, ok := msg.(*mdm.CheckOut)
	if !ok {
		t.Fatalf("message type = %T, want *mdm.CheckOut", msg)
	}
	if checkOut.UDID != "DEV-1" {
		t.Errorf("UDID = %q, want %q", checkOut.UDID, "DEV-1")
	}
}

// sharedKeysList returns a binary plist whose root array holds n
// dictionaries that share their key strings, as Apple's encoder writes
// them.
func sharedKeysList(n int) []byte {
	b := &bplist{}
	keys := []uint16{b.add(ascii("Identifier")), b.add(ascii("Name")), b.add(ascii("Version"))}
	var dicts []byte
	for i := range n {
		v1 := b.add(ascii(fmt.Sprintf("com.example.%d", i)))
		v2 := b.add(ascii(fmt.Sprintf("App %d", i)))
		v3 := b.add(ascii("1.0"))
		d := b.add(container(0xD0, 3, keys[0], keys[1], keys[2], v1, v2, v3))
		dicts = binary.BigEndian.AppendUint16(dicts, d)
	}
	// An array of 15 or more entries carries its count as an integer object.
	root := append([]byte{0xAF, 0x11}, binary.BigEndian.AppendUint16(nil, uint16(n))...)
	b.root = uint64(b.add(append(root, dicts...)))
	return b.bytes()
}

func TestDecodeCommandResultsBinarySharedKeys(t *testing.T) {
	t.Parallel()
	// The root is an array, so the decoder reports a type error, but only
	// after the structure check accepted the body.
	_, err := mdm.DecodeCommandResults(sharedKeysList(5000))
	if err == nil {
		t.Fatal("DecodeCommandResults() error = nil, want a type error for the array root")
	}
	if strings.Contains(err.Error(), "malformed binary plist") {
		t.Errorf("error = %v, want the structure check to accept shared keys", err)
	}
}

func TestDecodeCheckinMalformedBinary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		build    func() []byte
		wantText string
	}{
		{
			name:     "too short",
			build:    func() []byte { return []byte("bplist00\x00") },
			wantText: "9 bytes is too short",
		},
		{
			name: "array containing itself",
			build: func() []byte {
				b := &bplist{}
				b.add(container(0xA0, 1, 0))
				return b.bytes()
			},
			wantText: "reference cycle through object 0",
		},
		{
			name: "dictionaries containing each other",
			build: func() []byte {
				b := &bplist{}
				b.add(ascii("k"))
				b.add(container(0xD0, 1, 0, 2))
				b.add(container(0xD0, 1, 0, 1))
				b.root = 1
				return b.bytes()
			},
			wantText: "reference cycle through object 1",
		},
		{
			// micromdm/plist v0.2.2 panics on a reference equal to the
			// object count.
			name: "reference one past the last object",
			build: func() []byte {
				b := &bplist{}
				b.add(ascii("k"))
				b.root = uint64(b.add(container(0xD0, 1, 0, 2)))
				return b.bytes()
			},
			wantText: "object 1 references missing object 2",
		},
		{
			name: "data count past the end",
			build: func() []byte {
				b := &bplist{}
				b.add([]byte{0x4F, 0x12, 0xFF, 0xFF, 0xFF, 0xF0, 0x00})
				return b.bytes()
			},
			wantText: "object 0 count 4294967280 overruns the object table",
		},
		{
			name: "UTF-16 count past the end",
			build: func() []byte {
				b := &bplist{}
				b.add([]byte{0x6F, 0x13, 0, 0, 0, 0, 0xE8, 0x9C, 0xC2, 0xDA})
				return b.bytes()
			},
			wantText: "object 0 count 3902587610 overruns the object table",
		},
		{
			name: "count of sixteen bytes",
			build: func() []byte {
				b := &bplist{}
				b.add([]byte{0x5F, 0x14, 1, 2})
				return b.bytes()
			},
			wantText: "object 0 has an invalid count",
		},
		{
			name: "integer past the end",
			build: func() []byte {
				b := &bplist{}
				b.add([]byte{0x13, 1, 2})
				return b.bytes()
			},
			wantText: "object 0 overruns the object table",
		},
		{
			name: "unknown object type",
			build: func() []byte {
				b := &bplist{}
				b.add([]byte{0x70})
				return b.bytes()
			},
			wantText: "object 0 has unknown type 0x7",
		},
		{
			name: "shared containers doubling forty times",
			build: func() []byte {
				b := &bplist{}
				for i := range 40 {
					b.add(container(0xA0, 2, uint16(i+1), uint16(i+1)))
				}
				b.add(ascii("x"))
				return b.bytes()
			},
			wantText: "decoded size exceeds",
		},
		{
			name: "nesting 300 levels",
			build: func() []byte {
				b := &bplist{}
				for i := range 300 {
					b.add(container(0xA0, 1, uint16(i+1)))
				}
				b.add(ascii("x"))
				return b.bytes()
			},
			wantText: "nesting deeper than 256",
		},
		{
			name: "root out of range",
			build: func() []byte {
				b := checkOutDict("DEV-1")
				b.root = 5
				return b.bytes()
			},
			wantText: "root object 5 out of range",
		},
		{
			name: "offset size zero",
			build: func() []byte {
				b := checkOutDict("DEV-1")
				out := b.bytes()
				out[len(out)-26] = 0
				return out
			},
			wantText: "invalid offset size 0",
		},
		{
			name: "reference size nine",
			build: func() []byte {
				b := checkOutDict("DEV-1")
				b.refSize = 9
				return b.bytes()
			},
			wantText: "invalid object reference size 9",
		},
		{
			name: "offset table past the end",
			build: func() []byte {
				b := checkOutDict("DEV-1")
				b.tableOffset = 1 << 40
				return b.bytes()
			},
			wantText: "offset table at 1099511627776 out of range",
		},
		{
			name: "object offset inside the header",
			build: func() []byte {
				b := checkOutDict("DEV-1")
				out := b.bytes()
				// The first offset entry follows the objects; point it at 2.
				table := binary.BigEndian.Uint64(out[len(out)-8:])
				binary.BigEndian.PutUint32(out[table:], 2)
				return out
			},
			wantText: "object 0 offset 2 out of range",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raw := tt.build()
			_, err := mdm.DecodeCheckin(raw)
			if err == nil {
				t.Fatal("DecodeCheckin() error = nil, want a malformed binary plist error")
			}
			var parseErr *mdm.ParseError
			if !errors.As(err, &parseErr) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			want := "parse error: malformed binary plist: " + tt.wantText
			if !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error = %q, want prefix %q", err.Error(), want)
			}
		})
	}
}
