package filekv_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
)

// Enrollment and command IDs used by the layout tests.
const (
	devID     = "66ADE930-5FDF-5EC4-8429-15640684C489"
	userID    = devID + ":1B5F6B35-DD3B-4B4B-9C6F-7C2A1E4D5F60"
	topic     = "com.apple.mgmt.External.e0bd1eac-1f17-4c8e-8a63-dd17d3dd35d9"
	pushMagic = "888CEB39-BFFA-40F6-89FA-B60752EB63C2"
)

// pushToken is a raw APNs device token as TokenUpdate carries it.
var pushToken = []byte{0x1b, 0xa7, 0xc9, 0x00, 0x66, 0xc5, 0x0f, 0x77}

// path returns the file path NanoMDM uses for key in bucket.
func path(bucket, key string) string {
	shard := key
	if bucket == "push_cert" {
		shard = shard[len("com.apple.mgmt.External."):]
	}
	for len(shard) < 4 {
		shard = "0" + shard
	}
	return filepath.Join(bucket, shard[0:2], shard[2:4], key)
}

// writeTree creates files, keyed by path relative to root.
func writeTree(t *testing.T, root string, files map[string][]byte) {
	t.Helper()
	for name, value := range files {
		full := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(full), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, value, 0o666); err != nil {
			t.Fatal(err)
		}
	}
}

// readTree returns every file under root, keyed by relative path.
func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	files := make(map[string][]byte)
	err := filepath.WalkDir(root, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		value, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, name)
		files[rel] = value
		return err
	})
	if err != nil {
		t.Fatalf("reading %s: %v", root, err)
	}
	return files
}

// plistDict returns an XML plist of a dictionary whose entries are given
// as preformatted "<key>…</key><type>…</type>" text.
func plistDict(entries string) []byte {
	return fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
%s</dict>
</plist>
`, entries)
}

// authenticatePlist is a device Authenticate for devID.
var authenticatePlist = plistDict(`<key>MessageType</key><string>Authenticate</string>
<key>SerialNumber</key><string>C02MT66KFLHH</string>
<key>Topic</key><string>` + topic + `</string>
<key>UDID</key><string>` + devID + `</string>
`)

// tokenUpdatePlist is a TokenUpdate for devID, or for userID when user is
// true.
func tokenUpdatePlist(user bool) []byte {
	keys := "<key>UDID</key><string>" + devID + "</string>\n"
	if user {
		keys += "<key>UserID</key><string>" + userID[len(devID)+1:] + "</string>\n"
	}
	return plistDict(`<key>MessageType</key><string>TokenUpdate</string>
<key>PushMagic</key><string>` + pushMagic + `</string>
<key>Token</key><data>G6fJAGbFD3c=</data>
<key>Topic</key><string>` + topic + `</string>
` + keys)
}

// commandPlist is a command with the given UUID.
func commandPlist(uuid string) []byte {
	return plistDict(`<key>Command</key><dict><key>RequestType</key><string>ProfileList</string></dict>
<key>CommandUUID</key><string>` + uuid + `</string>
`)
}

// reportPlist is a command report from devID.
func reportPlist(uuid, status string) []byte {
	return plistDict(`<key>CommandUUID</key><string>` + uuid + `</string>
<key>Status</key><string>` + status + `</string>
<key>UDID</key><string>` + devID + `</string>
`)
}

// request decodes a check-in or report plist and returns its request and
// message.
func request(t *testing.T, raw []byte, cert *x509.Certificate) (*mdm.Request, any) {
	t.Helper()
	var msg any
	var enr mdm.Enrollment
	if report, err := mdm.DecodeCommandResults(raw); err == nil {
		msg, enr = report, report.Enrollment
	} else {
		checkin, err := mdm.DecodeCheckin(raw)
		if err != nil {
			t.Fatalf("decoding plist: %v", err)
		}
		msg = checkin
		enr = enrollmentOf(checkin)
	}
	r := mdm.NewRequest(context.Background(), cert)
	r.EnrollID = enr.Resolve()
	return r, msg
}

// enrollmentOf returns the enrollment keys of a check-in message.
func enrollmentOf(msg any) mdm.Enrollment {
	switch m := msg.(type) {
	case *mdm.Authenticate:
		return m.Enrollment
	case *mdm.TokenUpdate:
		return m.Enrollment
	case *mdm.SetBootstrapToken:
		return m.Enrollment
	}
	return mdm.Enrollment{}
}
