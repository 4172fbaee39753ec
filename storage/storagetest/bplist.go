package storagetest

import (
	"encoding/binary"
	"maps"
	"slices"
)

// binaryPlist encodes a dictionary of ASCII strings as a binary property
// list ("bplist00"), the encoding some devices use for command reports.
// It supports fewer than 256 objects and strings shorter than 256 bytes,
// which is all the suite needs.
func binaryPlist(dict map[string]string) []byte {
	keys := slices.Sorted(maps.Keys(dict))
	n := len(keys)

	// Object 0 is the dictionary; objects 1..n are its keys and n+1..2n
	// its values, referenced by one-byte indexes.
	out := []byte("bplist00")
	offsets := []int{len(out)}
	out = append(out, 0xD0|byte(n))
	for i := range 2 * n {
		out = append(out, byte(i+1))
	}
	strs := slices.Clone(keys)
	for _, k := range keys {
		strs = append(strs, dict[k])
	}
	for _, s := range strs {
		offsets = append(offsets, len(out))
		out = appendASCII(out, s)
	}

	// One-byte or two-byte offsets, then the 32-byte trailer.
	tableStart := len(out)
	offsetSize := 1
	if tableStart > 0xFF {
		offsetSize = 2
	}
	for _, off := range offsets {
		if offsetSize == 1 {
			out = append(out, byte(off))
		} else {
			out = binary.BigEndian.AppendUint16(out, uint16(off))
		}
	}
	out = append(out, 0, 0, 0, 0, 0, 0, byte(offsetSize), 1)
	out = binary.BigEndian.AppendUint64(out, uint64(len(offsets)))
	out = binary.BigEndian.AppendUint64(out, 0)
	return binary.BigEndian.AppendUint64(out, uint64(tableStart))
}

// appendASCII appends an ASCII string object: marker 0x5n for lengths
// below 15, otherwise marker 0x5F followed by a one-byte integer length.
func appendASCII(out []byte, s string) []byte {
	if len(s) < 15 {
		out = append(out, 0x50|byte(len(s)))
	} else {
		out = append(out, 0x5F, 0x10, byte(len(s)))
	}
	return append(out, s...)
}
