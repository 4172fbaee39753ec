package file_test

import (
	"crypto/x509"
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage/file"
)

// The fixtures are messages captured from a real Mac.
//
//go:embed testdata/*.plist
var fixtures embed.FS

// fixtureUDID is the UDID in the fixtures.
const fixtureUDID = "66ADE930-5FDF-5EC4-8429-15640684C489"

// fixtureUserID is the user of the user channel the tests add.
const fixtureUserID = "A1B2C3D4-0000-4000-8000-000000000001"

const plistHeader = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
`

// openStore returns a FileStorage rooted at root.
func openStore(t *testing.T, root string) *file.FileStorage {
	t.Helper()
	s, err := file.New(root)
	if err != nil {
		t.Fatalf("New(%s): %v", root, err)
	}
	return s
}

// newStore returns a FileStorage in a fresh directory.
func newStore(t *testing.T) *file.FileStorage {
	return openStore(t, t.TempDir())
}

// newLegacyStore returns a FileStorage over a fresh copy of the directory
// [writeLegacyTree] writes, and its root.
func newLegacyStore(t *testing.T) (string, *file.FileStorage) {
	root := t.TempDir()
	writeLegacyTree(t, root)
	return root, openStore(t, root)
}

// readFixture returns the named testdata file.
func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := fixtures.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatalf("reading fixture %s: %v", name, err)
	}
	return raw
}

// decodeCheckin decodes raw into a check-in message of type T.
func decodeCheckin[T any](t *testing.T, raw []byte) T {
	t.Helper()
	msg, err := mdm.DecodeCheckin(raw)
	if err != nil {
		t.Fatalf("decoding check-in: %v", err)
	}
	typed, ok := msg.(T)
	if !ok {
		t.Fatalf("decoding check-in: got %T, want %T", msg, *new(T))
	}
	return typed
}

// request returns a request for the channel of udid and, when userID is
// not empty, of that user.
func request(t *testing.T, udid, userID string, cert *x509.Certificate) *mdm.Request {
	r := mdm.NewRequest(t.Context(), cert)
	e := mdm.Enrollment{UDID: udid, UserID: userID}
	r.EnrollID = e.Resolve()
	return r
}

// userTokenUpdatePlist returns a TokenUpdate of a macOS user channel.
func userTokenUpdatePlist(udid, userID string) []byte {
	return fmt.Appendf(nil, `%s<dict>
<key>MessageType</key><string>TokenUpdate</string>
<key>PushMagic</key><string>user-magic</string>
<key>Token</key><data>dXNlci10b2tlbg==</data>
<key>Topic</key><string>com.apple.mgmt.External.e0bd1eac-1f17-4c8e-8a63-dd17d3dd35d9</string>
<key>UDID</key><string>%s</string>
<key>UserID</key><string>%s</string>
</dict></plist>
`, plistHeader, udid, userID)
}

// commandPlist returns a ProfileList command with the given UUID.
func commandPlist(uuid string) []byte {
	return fmt.Appendf(nil, `%s<dict>
<key>Command</key><dict><key>RequestType</key><string>ProfileList</string></dict>
<key>CommandUUID</key><string>%s</string>
</dict></plist>
`, plistHeader, uuid)
}

// reportPlist returns a command report from the device udid.
func reportPlist(udid, uuid, status string) []byte {
	return fmt.Appendf(nil, `%s<dict>
<key>CommandUUID</key><string>%s</string>
<key>Status</key><string>%s</string>
<key>UDID</key><string>%s</string>
</dict></plist>
`, plistHeader, uuid, status, udid)
}

// decodeCommand decodes a command plist.
func decodeCommand(t *testing.T, raw []byte) *mdm.Command {
	t.Helper()
	cmd, err := mdm.DecodeCommand(raw)
	if err != nil {
		t.Fatalf("decoding command: %v", err)
	}
	return cmd
}

// decodeReport decodes a command report plist.
func decodeReport(t *testing.T, raw []byte) *mdm.CommandResults {
	t.Helper()
	report, err := mdm.DecodeCommandResults(raw)
	if err != nil {
		t.Fatalf("decoding report: %v", err)
	}
	return report
}

// treeFile is one file of a directory tree a test writes by hand.
type treeFile struct {
	path    string // relative to the root, with slashes
	content []byte
	modTime time.Time // zero keeps the time of writing
}

// writeTree writes files under root, creating directories as needed.
func writeTree(t *testing.T, root string, files []treeFile) {
	t.Helper()
	for _, f := range files {
		path := filepath.Join(root, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, f.content, 0o644); err != nil {
			t.Fatal(err)
		}
		if !f.modTime.IsZero() {
			if err := os.Chtimes(path, f.modTime, f.modTime); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// readFile returns the content of root/path, failing the test when it is
// missing.
func readFile(t *testing.T, root, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(path)))
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return b
}

// fileExists reports whether root/path exists.
func fileExists(t *testing.T, root, path string) bool {
	t.Helper()
	_, err := os.Stat(filepath.Join(root, filepath.FromSlash(path)))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return err == nil
}
