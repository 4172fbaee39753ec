package mdm_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
)

// addSeeds adds every testdata fixture and a few hand-written bodies to
// the fuzz corpus of f.
func addSeeds(f *testing.F) {
	f.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.*plist"))
	if err != nil {
		f.Fatalf("listing fixtures: %v", err)
	}
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatalf("reading fixture: %v", err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte("bplist00"))
	f.Add(checkin(mdm.MessageGetToken, `<key>TokenParameters</key><dict/>`))
	f.Add(plistDoc(`<key>CommandUUID</key><string>C</string>` +
		`<key>Command</key><dict><key>RequestType</key><string>R</string></dict>`))
}

func FuzzDecodeCheckin(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		msg, err := mdm.DecodeCheckin(raw)
		if err != nil {
			var parseErr *mdm.ParseError
			if !errors.As(err, &parseErr) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			return
		}
		if got := rawOf(msg); !bytes.Equal(got, raw) {
			t.Fatalf("Raw differs from the input")
		}
		enrollment := enrollmentOf(msg)
		_ = enrollment.Resolve()
		_ = enrollment.DeviceChannel()
	})
}

func FuzzDecodeCommandResults(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		report, err := mdm.DecodeCommandResults(raw)
		if err != nil {
			return
		}
		if report.Status == "" {
			t.Fatal("decoded a report with an empty Status")
		}
		if !bytes.Equal(report.Raw.Raw, raw) {
			t.Fatal("Raw differs from the input")
		}
		_ = report.Resolve()
	})
}

func FuzzDecodeCommand(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		cmd, err := mdm.DecodeCommand(raw)
		if err != nil {
			return
		}
		if cmd.CommandUUID == "" || cmd.Command.RequestType == "" {
			t.Fatalf("decoded command %+v lacks CommandUUID or RequestType", cmd)
		}
		if !bytes.Equal(cmd.Raw.Raw, raw) {
			t.Fatal("Raw differs from the input")
		}
	})
}
