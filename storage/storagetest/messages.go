package storagetest

import (
	"bytes"
	"embed"
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
)

// The fixtures are real device messages. Their UDIDs are replaced with a
// fresh one per use so cases never share an enrollment.
//
//go:embed testdata/*.plist
var fixtures embed.FS

var fixtureUDIDs = []string{
	"663b07bb783e9ade1dae4fbb92ea12afc0ce5b69",
	"66ADE930-5FDF-5EC4-8429-15640684C489",
}

// Push details of the TokenUpdate.2.plist fixture.
const (
	fixturePushMagic = "888CEB39-BFFA-40F6-89FA-B60752EB63C2"
	fixtureToken     = "G6fJAGbFD3domiTzpCXK9oowD3KeiORgqUFgItXWQsw="
	fixtureTopic     = "com.apple.mgmt.External.e0bd1eac-1f17-4c8e-8a63-dd17d3dd35d9"
)

const plistHeader = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
`

// fixture returns the named testdata plist with its UDID replaced by udid.
func fixture(t testing.TB, name, udid string) []byte {
	t.Helper()
	raw, err := fixtures.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatalf("reading fixture %s: %v", name, err)
	}
	for _, old := range fixtureUDIDs {
		raw = bytes.ReplaceAll(raw, []byte(old), []byte(udid))
	}
	return raw
}

// decodeCheckin decodes raw into a check-in message of type T.
func decodeCheckin[T any](t testing.TB, raw []byte) T {
	t.Helper()
	msg, err := mdm.DecodeCheckin(raw)
	if err != nil {
		t.Fatalf("decoding check-in: %v\n%s", err, raw)
	}
	typed, ok := msg.(T)
	if !ok {
		t.Fatalf("decoding check-in: got %T, want %T", msg, *new(T))
	}
	return typed
}

// enrollmentKeys returns the plist keys that name channel c: UDID and
// UserID, or EnrollmentID and EnrollmentUserID for a User Enrollment.
func enrollmentKeys(c channel) string {
	deviceKey, userKey := "UDID", "UserID"
	if c.byod {
		deviceKey, userKey = "EnrollmentID", "EnrollmentUserID"
	}
	s := "<key>" + deviceKey + "</key><string>" + c.udid + "</string>\n"
	if c.userID != "" {
		s += "<key>" + userKey + "</key><string>" + c.userID + "</string>\n"
		s += "<key>UserShortName</key><string>user" + c.userID[:4] + "</string>\n"
	}
	return s
}

// authenticatePlist returns an Authenticate for the device channel c,
// without a serial number, as a User Enrollment sends it.
func authenticatePlist(c channel) []byte {
	return fmt.Appendf(nil, "%s<dict>\n<key>MessageType</key><string>Authenticate</string>\n<key>Topic</key><string>%s</string>\n%s</dict></plist>\n",
		plistHeader, fixtureTopic, enrollmentKeys(c))
}

// tokenUpdatePlist returns a TokenUpdate for c with its own push magic
// and token.
func tokenUpdatePlist(c channel, magic string, token []byte) []byte {
	return fmt.Appendf(nil, `%s<dict>
<key>MessageType</key><string>TokenUpdate</string>
<key>PushMagic</key><string>%s</string>
<key>Token</key><data>%s</data>
<key>Topic</key><string>%s</string>
%s</dict></plist>
`, plistHeader, magic, base64.StdEncoding.EncodeToString(token), fixtureTopic,
		enrollmentKeys(c))
}

// userAuthenticatePlist returns a UserAuthenticate, with a DigestResponse
// when digest is true.
func userAuthenticatePlist(c channel, digest bool) []byte {
	extra := ""
	if digest {
		extra = "<key>DigestResponse</key><string>response</string>\n"
	}
	return fmt.Appendf(nil, "%s<dict>\n<key>MessageType</key><string>UserAuthenticate</string>\n%s%s</dict></plist>\n",
		plistHeader, extra, enrollmentKeys(c))
}

// bootstrapPlist returns a SetBootstrapToken carrying token, or none when
// token is nil.
func bootstrapPlist(c channel, token []byte) []byte {
	data := ""
	if token != nil {
		data = "<key>BootstrapToken</key><data>" + base64.StdEncoding.EncodeToString(token) + "</data>\n"
	}
	return fmt.Appendf(nil, "%s<dict>\n<key>MessageType</key><string>SetBootstrapToken</string>\n%s%s</dict></plist>\n",
		plistHeader, data, enrollmentKeys(c))
}

// getBootstrapPlist returns a GetBootstrapToken check-in.
func getBootstrapPlist(c channel) []byte {
	return fmt.Appendf(nil, "%s<dict>\n<key>MessageType</key><string>GetBootstrapToken</string>\n%s</dict></plist>\n",
		plistHeader, enrollmentKeys(c))
}

// commandPlist returns a command plist with the given UUID.
func commandPlist(uuid, requestType string) []byte {
	return fmt.Appendf(nil, `%s<dict>
<key>Command</key><dict><key>RequestType</key><string>%s</string></dict>
<key>CommandUUID</key><string>%s</string>
</dict></plist>
`, plistHeader, requestType, uuid)
}

// newCommand decodes a fresh command with a random UUID.
func newCommand(t testing.TB) *mdm.Command {
	t.Helper()
	raw := commandPlist(newCommandUUID(), "ProfileList")
	cmd, err := mdm.DecodeCommand(raw)
	if err != nil {
		t.Fatalf("decoding command: %v", err)
	}
	return cmd
}

// reportPlist returns an XML command report from c. An empty uuid leaves
// CommandUUID out, as Idle reports do.
func reportPlist(c channel, uuid, status string) []byte {
	cmdKey := ""
	if uuid != "" {
		cmdKey = "<key>CommandUUID</key><string>" + uuid + "</string>\n"
	}
	return fmt.Appendf(nil, "%s<dict>\n%s<key>Status</key><string>%s</string>\n%s</dict></plist>\n",
		plistHeader, cmdKey, status, enrollmentKeys(c))
}

// decodeReport decodes a command report.
func decodeReport(t testing.TB, raw []byte) *mdm.CommandResults {
	t.Helper()
	report, err := mdm.DecodeCommandResults(raw)
	if err != nil {
		t.Fatalf("decoding command report: %v\n%s", err, raw)
	}
	return report
}
