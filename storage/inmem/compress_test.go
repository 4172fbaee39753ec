package inmem

import (
	"bytes"
	"os"
	"testing"
)

func TestCompressRoundTrip(t *testing.T) {
	fixture, err := os.ReadFile("../storagetest/testdata/TokenUpdate.1.plist")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		value       []byte
		wantEncoded bool
	}{
		{name: "real TokenUpdate", value: fixture, wantEncoded: true},
		{name: "control byte kept raw", value: append([]byte("<?xml \x01"), fixture...)},
		{name: "not XML", value: bytes.Repeat([]byte("<key>"), 100)},
		{name: "short", value: []byte(`<?xml version="1.0"?>`)},
		{name: "token at the end", value: append(bytes.Repeat([]byte("<plist><key>x</key>"), 20), "</plist>"...), wantEncoded: true},
		{name: "empty", value: []byte{}},
	}
	pack := compressor(minCompressed, anyKey)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stored := pack("k", tc.value)
			if got := stored[0] == markerEncoded; got != tc.wantEncoded {
				t.Errorf("encoded: got %v, want %v", got, tc.wantEncoded)
			}
			got, err := decompress(stored)
			if err != nil {
				t.Fatalf("decompress: %v", err)
			}
			if !bytes.Equal(got, tc.value) {
				t.Errorf("round trip: got %q, want %q", got, tc.value)
			}
		})
	}
}

func TestDecompressMissingMarker(t *testing.T) {
	if _, err := decompress(nil); err == nil {
		t.Errorf("decompress(nil): got no error, want one")
	}
}
