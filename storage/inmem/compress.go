package inmem

import (
	"bytes"
	"errors"
	"slices"
	"strings"
)

// Markers that start every value of a compressing bucket.
const (
	markerRaw     = 0
	markerEncoded = 1
)

// plistTokens are strings that XML plists from devices repeat, each
// replaced by one control byte. XML 1.0 forbids these control bytes in a
// document, and a value that contains one anyway is kept as it is, so the
// encoding is always reversible. On the Authenticate and TokenUpdate
// fixtures in storage/storagetest/testdata it saves 70 to 75 percent of
// the bytes, close to what deflate with a preset dictionary saves, and it
// keeps no state, where each deflate run clears a 512 KiB table.
var plistTokens = []string{
	`<?xml version="1.0" encoding="UTF-8"?>`,
	`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">`,
	`<plist version="1.0">`, `</plist>`,
	`<dict>`, `</dict>`, `<key>`, `</key>`, `<string>`, `</string>`,
	`<data>`, `</data>`, `<integer>`, `</integer>`, `<false/>`, `<true/>`,
	`com.apple.mgmt.External.`, `MessageType`, `Authenticate`, `TokenUpdate`,
	`SerialNumber`, `PushMagic`, `CommandUUID`, `Status`, `Acknowledged`,
	`UDID`, `Topic`, `QueryResponses`,
}

// tokenBytes are the control bytes that stand for plistTokens, in order:
// every C0 control byte except NUL, tab, line feed and carriage return.
var tokenBytes = []byte{
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0b, 0x0c,
	0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
}

// tokenCodec replaces plistTokens with tokenBytes and back.
type tokenCodec struct {
	byFirst [256][]int  // token indexes by first byte, longest first
	decoded [256]string // token by its control byte
	isToken [256]bool   // whether a byte is one of tokenBytes
}

var codec = newTokenCodec()

func newTokenCodec() *tokenCodec {
	if len(plistTokens) != len(tokenBytes) {
		panic("inmem: plistTokens and tokenBytes differ in length")
	}
	c := &tokenCodec{}
	for i, tok := range plistTokens {
		c.byFirst[tok[0]] = append(c.byFirst[tok[0]], i)
		c.decoded[tokenBytes[i]] = tok
		c.isToken[tokenBytes[i]] = true
	}
	for i := range c.byFirst {
		slices.SortFunc(c.byFirst[i], func(a, b int) int { return len(plistTokens[b]) - len(plistTokens[a]) })
	}
	return c
}

// encode returns value with tokens replaced, behind markerEncoded, or
// false when value holds a control byte or would not get shorter.
func (c *tokenCodec) encode(value []byte) ([]byte, bool) {
	out := make([]byte, 1, len(value)/2+1)
	out[0] = markerEncoded
	for i := 0; i < len(value); {
		b := value[i]
		if c.isToken[b] {
			return nil, false
		}
		i, out = c.encodeAt(value, i, out)
	}
	if len(out) >= len(value) {
		return nil, false
	}
	return slices.Clip(out), true
}

// encodeAt appends the token or byte at value[i] to out and returns the
// position after it.
func (c *tokenCodec) encodeAt(value []byte, i int, out []byte) (int, []byte) {
	rest := value[i:]
	for _, t := range c.byFirst[rest[0]] {
		tok := plistTokens[t]
		if len(rest) >= len(tok) && string(rest[:len(tok)]) == tok {
			return i + len(tok), append(out, tokenBytes[t])
		}
	}
	return i + 1, append(out, rest[0])
}

// decode reverses encode for the bytes after the marker.
func (c *tokenCodec) decode(encoded []byte) []byte {
	out := make([]byte, 0, len(encoded)*3)
	for _, b := range encoded {
		if c.isToken[b] {
			out = append(out, c.decoded[b]...)
		} else {
			out = append(out, b)
		}
	}
	return out
}

// compressor returns a pack function for a bucket that encodes XML values
// of at least minSize bytes whose key passes match, and keeps the others
// as they are. Either way the stored copy starts with a marker byte.
func compressor(minSize int, match func(key string) bool) func(string, []byte) []byte {
	return func(key string, value []byte) []byte {
		if len(value) >= minSize && match(key) && isXML(value) {
			if packed, ok := codec.encode(value); ok {
				return packed
			}
		}
		return append([]byte{markerRaw}, value...)
	}
}

// decompress reverses a compressor's pack function.
func decompress(stored []byte) ([]byte, error) {
	if len(stored) == 0 {
		return nil, errors.New("decoding stored value: missing marker byte")
	}
	if stored[0] == markerRaw {
		return stored[1:], nil
	}
	return codec.decode(stored[1:]), nil
}

// isXML reports whether value looks like an XML plist, the only kind of
// value the codec shrinks. Certificates, tokens and binary plists are
// kept as they are.
func isXML(value []byte) bool {
	return bytes.HasPrefix(value, []byte("<?xml")) || bytes.HasPrefix(value, []byte("<plist"))
}

// isReport matches the keys of stored command reports.
func isReport(key string) bool {
	return strings.HasSuffix(key, ".queueitem.report")
}

func anyKey(string) bool { return true }
