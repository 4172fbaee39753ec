package http

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadAll(t *testing.T) {
	body := strings.Repeat("<plist/>", 100)
	tests := []struct {
		name   string
		reader io.Reader
		size   int64
		want   string
	}{
		{name: "announced length", reader: strings.NewReader(body), size: int64(len(body)), want: body},
		{name: "unknown length", reader: strings.NewReader(body), size: -1, want: body},
		{name: "empty", reader: strings.NewReader(""), size: 0, want: ""},
		{name: "shorter than announced", reader: strings.NewReader(body), size: int64(len(body)) + 10, want: body},
		{name: "longer than announced", reader: strings.NewReader(body), size: 10, want: body},
		{name: "one byte at a time", reader: iotest.OneByteReader(strings.NewReader(body)), size: int64(len(body)), want: body},
		{name: "announced length above the cap", reader: strings.NewReader(body), size: maxPresized + 1, want: body},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadAll(tc.reader, tc.size)
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if !bytes.Equal(got, []byte(tc.want)) {
				t.Errorf("got %d bytes, want %d", len(got), len(tc.want))
			}
		})
	}
}

func TestReadAllError(t *testing.T) {
	wantErr := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader("<plist>"), iotest.ErrReader(wantErr))
	if _, err := ReadAll(r, 100); !errors.Is(err, wantErr) {
		t.Errorf("got error %v, want %v", err, wantErr)
	}
}
