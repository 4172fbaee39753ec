package mdm

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Limits for binary plists, checked before micromdm/plist decodes them.
const (
	// maxBinaryPlistDepth is the deepest nesting of arrays and dictionaries
	// accepted. The parser recurses once per level, and MDM messages nest
	// only a few levels.
	maxBinaryPlistDepth = 256

	// binaryPlistNodeCost estimates what the parser allocates for each
	// decoded object on top of the object's encoded bytes.
	binaryPlistNodeCost = 16

	// maxBinaryPlistExpansion bounds the decoded cost (encoded bytes plus
	// binaryPlistNodeCost for each object decoded) as a multiple of the
	// body size. The parser decodes an object once per reference, so a
	// small body that shares containers could expand to gigabytes.
	//
	// NOTE: 64 is an estimate. A body whose objects are each referenced
	// once costs at most about 17 times its size. Strings shared by many
	// references cost more, and no corpus of real device bodies was measured.
	maxBinaryPlistExpansion = 64
)

// bplistTrailerSize is the size of the trailer ending every binary plist.
const bplistTrailerSize = 32

// errMalformedBinaryPlist is wrapped by every error of checkBinaryPlist.
var errMalformedBinaryPlist = errors.New("malformed binary plist")

// binaryPlist is the object table of a binary plist being checked.
type binaryPlist struct {
	raw       []byte
	offsets   []uint64
	refSize   int
	objectEnd uint64 // objects must end before the offset table
	limit     uint64 // maximum decoded cost of the root object

	// cost caches the decoded cost of each object that was checked, and
	// visiting marks the objects on the current path to find cycles.
	cost     []uint64
	visiting []bool
}

// checkBinaryPlist rejects a binary plist that micromdm/plist v0.2.2 would
// not decode safely. That parser trusts the counts and object references it
// reads: a large count makes it allocate that many bytes, a reference cycle
// recurses until the stack overflows, and an object referenced many times
// is decoded each time. Each of these ends the process, not the request.
// The check walks the object graph once, in time linear in the body.
func checkBinaryPlist(raw []byte) error {
	p, root, err := readBinaryPlistTable(raw)
	if err != nil {
		return fmt.Errorf("%w: %w", errMalformedBinaryPlist, err)
	}
	p.limit = maxBinaryPlistExpansion*uint64(len(raw)) + 1<<20
	if _, err := p.walk(root, 0); err != nil {
		return fmt.Errorf("%w: %w", errMalformedBinaryPlist, err)
	}
	return nil
}

// readBinaryPlistTable reads the trailer and offset table of raw and
// returns them with the root object's index.
func readBinaryPlistTable(raw []byte) (*binaryPlist, uint64, error) {
	const headerSize = 8
	if len(raw) < headerSize+bplistTrailerSize {
		return nil, 0, fmt.Errorf("%d bytes is too short", len(raw))
	}
	trailer := raw[len(raw)-bplistTrailerSize:]
	offsetSize := int(trailer[6])
	refSize := int(trailer[7])
	numObjects := binary.BigEndian.Uint64(trailer[8:])
	root := binary.BigEndian.Uint64(trailer[16:])
	tableStart := binary.BigEndian.Uint64(trailer[24:])
	tableLimit := uint64(len(raw) - bplistTrailerSize)

	switch {
	case offsetSize < 1 || offsetSize > 8:
		return nil, 0, fmt.Errorf("invalid offset size %d", offsetSize)
	case refSize < 1 || refSize > 8:
		return nil, 0, fmt.Errorf("invalid object reference size %d", refSize)
	case numObjects == 0 || numObjects > tableLimit:
		return nil, 0, fmt.Errorf("invalid object count %d", numObjects)
	case root >= numObjects:
		return nil, 0, fmt.Errorf("root object %d out of range", root)
	case tableStart < headerSize || tableStart > tableLimit ||
		numObjects*uint64(offsetSize) > tableLimit-tableStart:
		return nil, 0, fmt.Errorf("offset table at %d out of range", tableStart)
	}

	p := &binaryPlist{
		raw:       raw,
		offsets:   make([]uint64, numObjects),
		refSize:   refSize,
		objectEnd: tableStart,
		cost:      make([]uint64, numObjects),
		visiting:  make([]bool, numObjects),
	}
	for i := range p.offsets {
		off := p.readUint(tableStart+uint64(i*offsetSize), offsetSize)
		if off < headerSize || off >= tableStart {
			return nil, 0, fmt.Errorf("object %d offset %d out of range", i, off)
		}
		p.offsets[i] = off
	}
	return p, root, nil
}

// readUint reads a big-endian unsigned integer of size bytes at off, which
// the caller has checked lies inside raw.
func (p *binaryPlist) readUint(off uint64, size int) uint64 {
	var v uint64
	for _, b := range p.raw[off : off+uint64(size)] {
		v = v<<8 | uint64(b)
	}
	return v
}

// walk checks object i and everything it references, and returns what
// decoding it costs, counting shared objects once per reference.
func (p *binaryPlist) walk(i, depth uint64) (uint64, error) {
	if p.cost[i] != 0 {
		return p.cost[i], nil
	}
	if p.visiting[i] {
		return 0, fmt.Errorf("reference cycle through object %d", i)
	}
	if depth > maxBinaryPlistDepth {
		return 0, fmt.Errorf("nesting deeper than %d", maxBinaryPlistDepth)
	}

	size, refs, err := p.object(i)
	if err != nil {
		return 0, err
	}
	total := binaryPlistNodeCost + size
	p.visiting[i] = true
	for ; refs.count > 0; refs.count-- {
		ref := p.readUint(refs.at, p.refSize)
		refs.at += uint64(p.refSize)
		if ref >= uint64(len(p.offsets)) {
			return 0, fmt.Errorf("object %d references missing object %d", i, ref)
		}
		cost, err := p.walk(ref, depth+1)
		if err != nil {
			return 0, err
		}
		if total += cost; total > p.limit {
			return 0, fmt.Errorf("decoded size exceeds %d", p.limit)
		}
	}
	p.visiting[i] = false
	p.cost[i] = total
	return total, nil
}

// refList locates the object references of an array or dictionary.
type refList struct {
	at    uint64
	count uint64
}

// object returns the encoded size of object i and, for an array or
// dictionary, where its references are. Sizes follow the object markers of
// Apple's binary plist format as micromdm/plist reads them.
func (p *binaryPlist) object(i uint64) (uint64, refList, error) {
	off := p.offsets[i]
	marker := p.raw[off]
	low := uint64(marker & 0x0f)

	var unit uint64 // bytes per counted element
	switch marker >> 4 {
	case 0x0, 0x8, 0xc: // singletons; UIDs and sets are not decoded
		return 1, refList{}, nil
	case 0x1, 0x2: // integer, real
		return p.fixed(i, 1<<low)
	case 0x3: // date
		return p.fixed(i, 8)
	case 0x4, 0x5: // data, ASCII string
		unit = 1
	case 0x6: // UTF-16 string
		unit = 2
	case 0xa: // array
		unit = uint64(p.refSize)
	case 0xd: // dictionary: the keys' references, then the values'
		unit = 2 * uint64(p.refSize)
	default:
		return 0, refList{}, fmt.Errorf("object %d has unknown type %#x", i, marker>>4)
	}

	count, header, err := p.count(i, off, low)
	if err != nil {
		return 0, refList{}, err
	}
	start := off + header
	if count > (p.objectEnd-start)/unit {
		return 0, refList{}, fmt.Errorf("object %d count %d overruns the object table", i, count)
	}
	size := header + count*unit
	if marker>>4 != 0xa && marker>>4 != 0xd {
		return size, refList{}, nil
	}
	return size, refList{at: start, count: count * unit / uint64(p.refSize)}, nil
}

// fixed returns the size of object i, a marker byte followed by n bytes.
func (p *binaryPlist) fixed(i, n uint64) (uint64, refList, error) {
	if n > p.objectEnd-p.offsets[i]-1 {
		return 0, refList{}, fmt.Errorf("object %d overruns the object table", i)
	}
	return 1 + n, refList{}, nil
}

// count reads the element count of the object at off, whose marker has
// low as its low four bits, and returns it with the size of the marker and
// count bytes. Counts of 15 or more follow the marker as an integer object.
func (p *binaryPlist) count(i, off, low uint64) (count, header uint64, err error) {
	if low != 0x0f {
		return low, 1, nil
	}
	if off+2 > p.objectEnd {
		return 0, 0, fmt.Errorf("object %d count overruns the object table", i)
	}
	n := uint64(1) << (p.raw[off+1] & 0x0f)
	if n > 8 || off+2+n > p.objectEnd {
		return 0, 0, fmt.Errorf("object %d has an invalid count", i)
	}
	return p.readUint(off+2, int(n)), 2 + n, nil
}
