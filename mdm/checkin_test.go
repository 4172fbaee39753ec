package mdm_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mdmforge/nanomdm/mdm"
)

const testTopic = "com.apple.mgmt.External.e0bd1eac-1f17-4c8e-8a63-dd17d3dd35d9"

// readFixture returns the bytes of a file in testdata.
func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("reading fixture: %v", err)
	}
	return b
}

// plistDoc wraps dictionary entries in an XML plist document.
func plistDoc(entries string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>` + entries + `</dict></plist>`)
}

// checkin returns an XML check-in of messageType for testUDID with extra
// dictionary entries.
func checkin(messageType, extra string) []byte {
	return plistDoc(`<key>MessageType</key><string>` + messageType + `</string>` +
		`<key>UDID</key><string>` + testUDID + `</string>` + extra)
}

func TestDecodeCheckinFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file     string
		wantType any
		wantUDID string
		check    func(t *testing.T, msg any)
	}{
		{
			file:     "Authenticate.1.plist",
			wantType: &mdm.Authenticate{},
			wantUDID: "663b07bb783e9ade1dae4fbb92ea12afc0ce5b69",
			check:    checkAuthenticate("F5JM992LF193"),
		},
		{
			file:     "Authenticate.2.plist",
			wantType: &mdm.Authenticate{},
			wantUDID: testUDID,
			check:    checkAuthenticate("C02MT66KFLHH"),
		},
		{
			file:     "Authenticate.2.bplist",
			wantType: &mdm.Authenticate{},
			wantUDID: testUDID,
			check:    checkAuthenticate("C02MT66KFLHH"),
		},
		{
			file:     "TokenUpdate.1.plist",
			wantType: &mdm.TokenUpdate{},
			wantUDID: "663b07bb783e9ade1dae4fbb92ea12afc0ce5b69",
			check: checkTokenUpdate("CEFDF0BD-E342-4A27-8742-E930EA116B0A",
				"47e8eec062c2f729ec1703c1b3e18f1971d85f00be76445d34080baa701b5f51", true),
		},
		{
			file:     "TokenUpdate.1.bplist",
			wantType: &mdm.TokenUpdate{},
			wantUDID: "663b07bb783e9ade1dae4fbb92ea12afc0ce5b69",
			check: checkTokenUpdate("CEFDF0BD-E342-4A27-8742-E930EA116B0A",
				"47e8eec062c2f729ec1703c1b3e18f1971d85f00be76445d34080baa701b5f51", true),
		},
		{
			file:     "TokenUpdate.2.plist",
			wantType: &mdm.TokenUpdate{},
			wantUDID: testUDID,
			check: checkTokenUpdate("888CEB39-BFFA-40F6-89FA-B60752EB63C2",
				"1ba7c90066c50f77689a24f3a425caf68a300f729e88e460a9416022d5d642cc", false),
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			raw := readFixture(t, tt.file)
			msg, err := mdm.DecodeCheckin(raw)
			if err != nil {
				t.Fatalf("DecodeCheckin: %v", err)
			}
			if got, want := reflect.TypeOf(msg), reflect.TypeOf(tt.wantType); got != want {
				t.Fatalf("message type = %v, want %v", got, want)
			}
			if got := enrollmentOf(msg).UDID; got != tt.wantUDID {
				t.Errorf("UDID = %q, want %q", got, tt.wantUDID)
			}
			if got := rawOf(msg); !bytes.Equal(got, raw) {
				t.Errorf("Raw differs from the input: got %d bytes, want %d", len(got), len(raw))
			}
			tt.check(t, msg)
		})
	}
}

func checkAuthenticate(serial string) func(*testing.T, any) {
	return func(t *testing.T, msg any) {
		m := msg.(*mdm.Authenticate)
		if m.Topic != testTopic {
			t.Errorf("Topic = %q, want %q", m.Topic, testTopic)
		}
		if m.SerialNumber != serial {
			t.Errorf("SerialNumber = %q, want %q", m.SerialNumber, serial)
		}
		if m.MessageType.MessageType != mdm.MessageAuthenticate {
			t.Errorf("MessageType = %q, want %q", m.MessageType.MessageType, mdm.MessageAuthenticate)
		}
	}
}

func checkTokenUpdate(pushMagic, tokenHex string, wantUnlock bool) func(*testing.T, any) {
	return func(t *testing.T, msg any) {
		m := msg.(*mdm.TokenUpdate)
		if m.PushMagic != pushMagic {
			t.Errorf("PushMagic = %q, want %q", m.PushMagic, pushMagic)
		}
		if got := hex.EncodeToString(m.Token); got != tokenHex {
			t.Errorf("Token = %s, want %s", got, tokenHex)
		}
		if m.Topic != testTopic {
			t.Errorf("Topic = %q, want %q", m.Topic, testTopic)
		}
		if got := len(m.UnlockToken) > 0; got != wantUnlock {
			t.Errorf("UnlockToken present = %v, want %v", got, wantUnlock)
		}
	}
}

// enrollmentOf returns the Enrollment embedded in a decoded message.
func enrollmentOf(msg any) mdm.Enrollment {
	return reflect.ValueOf(msg).Elem().FieldByName("Enrollment").Interface().(mdm.Enrollment)
}

// rawOf returns the Raw bytes embedded in a decoded message.
func rawOf(msg any) []byte {
	return reflect.ValueOf(msg).Elem().FieldByName("Raw").Interface().(mdm.Raw).Raw
}

func TestDecodeCheckinMessageTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  []byte
		want any
	}{
		{
			name: mdm.MessageAuthenticate,
			raw: checkin(mdm.MessageAuthenticate,
				`<key>Topic</key><string>t</string><key>SerialNumber</key><string>S1</string>`),
			want: &mdm.Authenticate{Topic: "t", SerialNumber: "S1"},
		},
		{
			name: mdm.MessageTokenUpdate,
			raw: checkin(mdm.MessageTokenUpdate, `<key>Topic</key><string>t</string>`+
				`<key>PushMagic</key><string>PM</string><key>Token</key><data>AQI=</data>`+
				`<key>UnlockToken</key><data>Aw==</data>`),
			want: &mdm.TokenUpdate{
				Push:        mdm.Push{PushMagic: "PM", Token: []byte{1, 2}, Topic: "t"},
				UnlockToken: []byte{3},
			},
		},
		{
			name: mdm.MessageCheckOut,
			raw:  checkin(mdm.MessageCheckOut, ""),
			want: &mdm.CheckOut{},
		},
		{
			name: mdm.MessageSetBootstrapToken,
			raw: checkin(mdm.MessageSetBootstrapToken,
				`<key>BootstrapToken</key><data>AQID</data>`),
			want: &mdm.SetBootstrapToken{
				BootstrapToken: mdm.BootstrapToken{BootstrapToken: []byte{1, 2, 3}},
			},
		},
		{
			name: mdm.MessageGetBootstrapToken,
			raw:  checkin(mdm.MessageGetBootstrapToken, ""),
			want: &mdm.GetBootstrapToken{},
		},
		{
			name: mdm.MessageUserAuthenticate,
			raw: checkin(mdm.MessageUserAuthenticate,
				`<key>UserID</key><string>U1</string><key>DigestResponse</key><string>d</string>`),
			want: &mdm.UserAuthenticate{DigestResponse: "d"},
		},
		{
			name: mdm.MessageDeclarativeManagement,
			raw: checkin(mdm.MessageDeclarativeManagement,
				`<key>Endpoint</key><string>status</string><key>Data</key><data>e30=</data>`),
			want: &mdm.DeclarativeManagement{Endpoint: "status", Data: []byte("{}")},
		},
		{
			name: mdm.MessageGetToken,
			raw: checkin(mdm.MessageGetToken,
				`<key>TokenServiceType</key><string>com.apple.watch.pairing</string>`+
					`<key>TokenParameters</key><dict><key>PhoneUDID</key><string>P</string>`+
					`<key>SecurityToken</key><string>S</string>`+
					`<key>WatchUDID</key><string>W</string></dict>`),
			want: &mdm.GetToken{
				TokenServiceType: mdm.TokenServiceWatchPairing,
				TokenParameters: &mdm.GetTokenParameters{
					PhoneUDID: "P", SecurityToken: "S", WatchUDID: "W",
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, err := mdm.DecodeCheckin(tt.raw)
			if err != nil {
				t.Fatalf("DecodeCheckin: %v", err)
			}
			if got := rawOf(msg); !bytes.Equal(got, tt.raw) {
				t.Errorf("Raw = %q, want the input", got)
			}
			fillExpected(tt.want, tt.name, tt.raw)
			if diff := cmp.Diff(tt.want, msg); diff != "" {
				t.Errorf("decoded message mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// fillExpected sets the fields every expected message shares: the
// MessageType, the UDID (and UserID for UserAuthenticate) and the raw body.
func fillExpected(want any, messageType string, raw []byte) {
	v := reflect.ValueOf(want).Elem()
	v.FieldByName("MessageType").Set(reflect.ValueOf(mdm.MessageType{MessageType: messageType}))
	enrollment := mdm.Enrollment{UDID: testUDID}
	if messageType == mdm.MessageUserAuthenticate {
		enrollment.UserID = "U1"
	}
	v.FieldByName("Enrollment").Set(reflect.ValueOf(enrollment))
	v.FieldByName("Raw").Set(reflect.ValueOf(mdm.Raw{Raw: raw}))
}

func TestDecodeCheckinErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		raw         []byte
		wantType    string // MessageType of an *UnrecognizedMessageTypeError
		wantUnknown bool
		wantEmpty   bool
		wantText    string
	}{
		{
			name:        "unknown MessageType",
			raw:         checkin("Enroll", ""),
			wantType:    "Enroll",
			wantUnknown: true,
			wantText:    `unrecognized MessageType: "Enroll"`,
		},
		{
			name:        "MessageType in another case",
			raw:         checkin("authenticate", ""),
			wantType:    "authenticate",
			wantUnknown: true,
			wantText:    `unrecognized MessageType: "authenticate"`,
		},
		{
			name:        "missing MessageType",
			raw:         plistDoc(`<key>UDID</key><string>` + testUDID + `</string>`),
			wantUnknown: true,
			wantText:    `unrecognized MessageType: ""`,
		},
		{
			name:        "command report sent as check-in",
			raw:         readFixture(t, "DeviceInformation.1.plist"),
			wantUnknown: true,
			wantText:    `unrecognized MessageType: ""`,
		},
		{name: "empty body", raw: []byte{}, wantEmpty: true, wantText: "empty body"},
		{name: "nil body", wantEmpty: true, wantText: "empty body"},
		{name: "not a plist", raw: []byte("hello"), wantText: "parse error"},
		{name: "truncated binary plist", raw: []byte("bplist00\xd1"), wantText: "parse error"},
		{
			name:     "Token as string",
			raw:      checkin(mdm.MessageTokenUpdate, `<key>Token</key><string>abc</string>`),
			wantText: "parse error",
		},
		{
			name: "BootstrapToken as string",
			raw: checkin(mdm.MessageSetBootstrapToken,
				`<key>BootstrapToken</key><string>abc</string>`),
			wantText: "parse error",
		},
		{
			name:     "Data as string",
			raw:      checkin(mdm.MessageDeclarativeManagement, `<key>Data</key><string>{}</string>`),
			wantText: "parse error",
		},
		{
			name:     "UDID as integer",
			raw:      plistDoc(`<key>MessageType</key><string>CheckOut</string><key>UDID</key><integer>1</integer>`),
			wantText: "parse error",
		},
		{
			name:     "MessageType as data",
			raw:      plistDoc(`<key>MessageType</key><data>AQI=</data>`),
			wantText: "parse error",
		},
		{
			name: "root is an array",
			raw: []byte(`<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><array><string>Authenticate</string></array></plist>`),
			wantText: "parse error",
		},
		{
			name:     "root is a string",
			raw:      []byte(`<?xml version="1.0"?><plist version="1.0"><string>Authenticate</string></plist>`),
			wantText: "parse error",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, err := mdm.DecodeCheckin(tt.raw)
			if err == nil {
				t.Fatalf("DecodeCheckin() = %T, want an error", msg)
			}
			checkParseError(t, err, tt.raw, tt.wantText)
			if got := errors.Is(err, mdm.ErrEmptyBody); got != tt.wantEmpty {
				t.Errorf("errors.Is(%v, ErrEmptyBody) = %v, want %v", err, got, tt.wantEmpty)
			}
			var unknown *mdm.UnrecognizedMessageTypeError
			if got := errors.As(err, &unknown); got != tt.wantUnknown {
				t.Fatalf("errors.As(%v, *UnrecognizedMessageTypeError) = %v, want %v",
					err, got, tt.wantUnknown)
			}
			if tt.wantUnknown && unknown.MessageType != tt.wantType {
				t.Errorf("MessageType in error = %q, want %q", unknown.MessageType, tt.wantType)
			}
		})
	}
}

// checkParseError checks that err is a *ParseError that keeps raw as its
// Content and whose message contains wantText.
func checkParseError(t *testing.T, err error, raw []byte, wantText string) {
	t.Helper()
	var parseErr *mdm.ParseError
	if !errors.As(err, &parseErr) {
		t.Fatalf("error %v (%T) is not a *ParseError", err, err)
	}
	if !bytes.Equal(parseErr.Content, raw) {
		t.Errorf("ParseError.Content = %q, want the input %q", parseErr.Content, raw)
	}
	if !strings.Contains(err.Error(), wantText) {
		t.Errorf("error text %q does not contain %q", err.Error(), wantText)
	}
}

func TestDecodeCheckinIgnoresUnknownKeys(t *testing.T) {
	t.Parallel()
	raw := checkin(mdm.MessageCheckOut,
		`<key>udid</key><string>lowercase key</string><key>Extra</key><dict/>`)
	msg, err := mdm.DecodeCheckin(raw)
	if err != nil {
		t.Fatalf("DecodeCheckin: %v", err)
	}
	if got := enrollmentOf(msg).UDID; got != testUDID {
		t.Errorf("UDID = %q, want %q", got, testUDID)
	}
}

func TestGetTokenValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		msg      mdm.GetToken
		wantText string // "" when the message is valid
	}{
		{name: "empty service type", wantText: "empty GetToken TokenServiceType"},
		{
			name:     "watch pairing without parameters",
			msg:      mdm.GetToken{TokenServiceType: mdm.TokenServiceWatchPairing},
			wantText: "missing TokenParameters for com.apple.watch.pairing",
		},
		{
			name: "watch pairing with parameters",
			msg: mdm.GetToken{
				TokenServiceType: mdm.TokenServiceWatchPairing,
				TokenParameters:  &mdm.GetTokenParameters{PhoneUDID: "P"},
			},
		},
		{name: "MAID without parameters", msg: mdm.GetToken{TokenServiceType: mdm.TokenServiceMAID}},
		{name: "other service type", msg: mdm.GetToken{TokenServiceType: "com.example.token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.msg.Validate()
			if tt.wantText == "" {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantText {
				t.Errorf("Validate() = %v, want %q", err, tt.wantText)
			}
		})
	}
}

func TestIsBinaryPlist(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  []byte
		want bool
	}{
		{name: "binary fixture", raw: readFixture(t, "Authenticate.2.bplist"), want: true},
		{name: "XML fixture", raw: readFixture(t, "Authenticate.2.plist")},
		{name: "prefix only", raw: []byte("bplist0"), want: true},
		{name: "short", raw: []byte("bplist")},
		{name: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := mdm.IsBinaryPlist(tt.raw); got != tt.want {
				t.Errorf("IsBinaryPlist() = %v, want %v", got, tt.want)
			}
		})
	}
}
