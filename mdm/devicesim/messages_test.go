package devicesim_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// channels returns a device channel and each kind of user channel, with
// the enrollment ID the server must derive for each.
func channels(t *testing.T, dev, byod *devicesim.Device) map[string]struct {
	ch     *devicesim.Channel
	wantID mdm.EnrollID
} {
	t.Helper()
	user, err := dev.UserChannel("USER-1", "jappleseed", "John Appleseed")
	if err != nil {
		t.Fatal(err)
	}
	shared, err := dev.SharediPadUser("student@example.com")
	if err != nil {
		t.Fatal(err)
	}
	byodUser, err := byod.EnrollmentUser("EUSER-1")
	if err != nil {
		t.Fatal(err)
	}
	type entry = struct {
		ch     *devicesim.Channel
		wantID mdm.EnrollID
	}
	return map[string]entry{
		"device":                 {&dev.Channel, mdm.EnrollID{Type: mdm.Device, ID: dev.UDID}},
		"macOS user":             {user, mdm.EnrollID{Type: mdm.User, ID: dev.UDID + ":USER-1", ParentID: dev.UDID}},
		"Shared iPad user":       {shared, mdm.EnrollID{Type: mdm.SharediPad, ID: dev.UDID + ":student@example.com", ParentID: dev.UDID}},
		"User Enrollment device": {&byod.Channel, mdm.EnrollID{Type: mdm.UserEnrollmentDevice, ID: byod.EnrollmentID}},
		"User Enrollment user":   {byodUser, mdm.EnrollID{Type: mdm.UserEnrollment, ID: byod.EnrollmentID + ":EUSER-1", ParentID: byod.EnrollmentID}},
	}
}

func TestCheckinsDecode(t *testing.T) {
	rec, dev := newServer(t, devicesim.ECDSAP256)
	byod, err := devicesim.NewUserEnrollmentDevice(dev.Identity, dev.ServerURL)
	if err != nil {
		t.Fatal(err)
	}
	byod.Client = dev.Client
	dev.UnlockToken = []byte{1, 2, 3}
	ctx := context.Background()
	params := &mdm.GetTokenParameters{PhoneUDID: "P", SecurityToken: "S", WatchUDID: "W"}

	sends := []struct {
		name string
		send func(*devicesim.Channel) (*devicesim.Response, error)
		want string
	}{
		{"Authenticate", func(c *devicesim.Channel) (*devicesim.Response, error) { return c.Authenticate(ctx) }, mdm.MessageAuthenticate},
		{"TokenUpdate", func(c *devicesim.Channel) (*devicesim.Response, error) { return c.TokenUpdate(ctx) }, mdm.MessageTokenUpdate},
		{"CheckOut", func(c *devicesim.Channel) (*devicesim.Response, error) { return c.CheckOut(ctx) }, mdm.MessageCheckOut},
		{"SetBootstrapToken", func(c *devicesim.Channel) (*devicesim.Response, error) {
			return c.SetBootstrapToken(ctx, []byte("bst"))
		}, mdm.MessageSetBootstrapToken},
		{"GetBootstrapToken", func(c *devicesim.Channel) (*devicesim.Response, error) { return c.GetBootstrapToken(ctx) }, mdm.MessageGetBootstrapToken},
		{"UserAuthenticate", func(c *devicesim.Channel) (*devicesim.Response, error) { return c.UserAuthenticate(ctx, "digest") }, mdm.MessageUserAuthenticate},
		{"DeclarativeManagement", func(c *devicesim.Channel) (*devicesim.Response, error) {
			return c.DeclarativeManagement(ctx, "status", []byte(`{"a":1}`))
		}, mdm.MessageDeclarativeManagement},
		{"GetToken", func(c *devicesim.Channel) (*devicesim.Response, error) {
			return c.GetToken(ctx, mdm.TokenServiceWatchPairing, params)
		}, mdm.MessageGetToken},
	}
	for chName, entry := range channels(t, dev, byod) {
		for _, s := range sends {
			t.Run(chName+"/"+s.name, func(t *testing.T) {
				if _, err := s.send(entry.ch); err != nil {
					t.Fatal(err)
				}
				req := rec.last(t)
				verifySigned(t, req, dev)
				msg, err := mdm.DecodeCheckin(req.body)
				if err != nil {
					t.Fatalf("got decode error %v, want none", err)
				}
				checkCheckin(t, msg, entry.ch, s.want, entry.wantID)
			})
		}
	}
}

// checkCheckin checks the decoded message's type, enrollment and the
// fields this package fills in.
func checkCheckin(t *testing.T, msg any, ch *devicesim.Channel, wantType string, wantID mdm.EnrollID) {
	t.Helper()
	dev := ch.Device()
	var enrollment mdm.Enrollment
	var gotType string
	switch m := msg.(type) {
	case *mdm.Authenticate:
		enrollment, gotType = m.Enrollment, m.MessageType.MessageType
		if m.Topic != dev.Topic {
			t.Errorf("got Topic %q, want %q", m.Topic, dev.Topic)
		}
	case *mdm.TokenUpdate:
		enrollment, gotType = m.Enrollment, m.MessageType.MessageType
		want := mdm.Push{PushMagic: ch.PushMagic, Token: ch.Token, Topic: dev.Topic}
		if diff := cmp.Diff(want, m.Push); diff != "" {
			t.Errorf("push details differ (-want +got):\n%s", diff)
		}
		isDevice := wantID.Type == mdm.Device || wantID.Type == mdm.UserEnrollmentDevice
		if gotUnlock := m.UnlockToken != nil; gotUnlock != (isDevice && dev.UnlockToken != nil) {
			t.Errorf("got UnlockToken %x on a %v channel", m.UnlockToken, wantID.Type)
		}
	case *mdm.CheckOut:
		enrollment, gotType = m.Enrollment, m.MessageType.MessageType
	case *mdm.SetBootstrapToken:
		enrollment, gotType = m.Enrollment, m.MessageType.MessageType
		if string(m.BootstrapToken.BootstrapToken) != "bst" {
			t.Errorf("got BootstrapToken %q, want %q", m.BootstrapToken.BootstrapToken, "bst")
		}
	case *mdm.GetBootstrapToken:
		enrollment, gotType = m.Enrollment, m.MessageType.MessageType
	case *mdm.UserAuthenticate:
		enrollment, gotType = m.Enrollment, m.MessageType.MessageType
		if m.DigestResponse != "digest" {
			t.Errorf("got DigestResponse %q, want %q", m.DigestResponse, "digest")
		}
	case *mdm.DeclarativeManagement:
		enrollment, gotType = m.Enrollment, m.MessageType.MessageType
		if m.Endpoint != "status" || string(m.Data) != `{"a":1}` {
			t.Errorf("got Endpoint %q Data %q, want status {\"a\":1}", m.Endpoint, m.Data)
		}
	case *mdm.GetToken:
		enrollment, gotType = m.Enrollment, m.MessageType.MessageType
		if err := m.Validate(); err != nil {
			t.Errorf("got validation error %v, want none", err)
		}
	default:
		t.Fatalf("got message type %T", msg)
	}
	if gotType != wantType {
		t.Errorf("got MessageType %q, want %q", gotType, wantType)
	}
	if diff := cmp.Diff(&wantID, enrollment.Resolve()); diff != "" {
		t.Errorf("enrollment ID differs (-want +got):\n%s", diff)
	}
	if got := ch.ID(); got != wantID.ID {
		t.Errorf("got Channel.ID %q, want %q", got, wantID.ID)
	}
}

func TestReportsDecode(t *testing.T) {
	rec, dev := newServer(t, devicesim.RSA2048)
	user, err := dev.UserChannel("USER-2", "kim", "Kim")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	chain := []mdm.ErrorChainItem{{
		ErrorCode:            12021,
		ErrorDomain:          "MCMDMErrorDomain",
		LocalizedDescription: "Unknown command",
		USEnglishDescription: "Unknown command",
	}}

	tests := []struct {
		name  string
		ch    *devicesim.Channel
		send  func(*devicesim.Channel) (*devicesim.Response, error)
		want  mdm.CommandResults
		check func(t *testing.T, body []byte)
	}{
		{
			name: "Idle",
			ch:   &dev.Channel,
			send: func(c *devicesim.Channel) (*devicesim.Response, error) { return c.ReportIdle(ctx) },
			want: mdm.CommandResults{Status: mdm.StatusIdle},
		},
		{
			name: "Acknowledged with results",
			ch:   &dev.Channel,
			send: func(c *devicesim.Channel) (*devicesim.Response, error) {
				return c.ReportAcknowledged(ctx, "C1", map[string]any{"RequestType": "DeviceInformation"})
			},
			want: mdm.CommandResults{Status: mdm.StatusAcknowledged, CommandUUID: "C1"},
			check: func(t *testing.T, body []byte) {
				if !bytes.Contains(body, []byte("<string>DeviceInformation</string>")) {
					t.Errorf("got body without the extra field:\n%s", body)
				}
			},
		},
		{
			name: "Error with chain",
			ch:   user,
			send: func(c *devicesim.Channel) (*devicesim.Response, error) { return c.ReportError(ctx, "C2", chain) },
			want: mdm.CommandResults{Status: mdm.StatusError, CommandUUID: "C2", ErrorChain: chain},
		},
		{
			name: "NotNow",
			ch:   user,
			send: func(c *devicesim.Channel) (*devicesim.Response, error) { return c.ReportNotNow(ctx, "C3") },
			want: mdm.CommandResults{Status: mdm.StatusNotNow, CommandUUID: "C3"},
		},
		{
			name: "CommandFormatError",
			ch:   &dev.Channel,
			send: func(c *devicesim.Channel) (*devicesim.Response, error) { return c.ReportCommandFormatError(ctx, "C4") },
			want: mdm.CommandResults{Status: mdm.StatusCommandFormatError, CommandUUID: "C4"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.send(tc.ch); err != nil {
				t.Fatal(err)
			}
			req := rec.last(t)
			verifySigned(t, req, dev)
			got, err := mdm.DecodeCommandResults(req.body)
			if err != nil {
				t.Fatalf("got decode error %v, want none", err)
			}
			tc.want.Enrollment = tc.ch.Enrollment
			got.Raw = mdm.Raw{}
			if diff := cmp.Diff(&tc.want, got); diff != "" {
				t.Errorf("report differs (-want +got):\n%s", diff)
			}
			if tc.check != nil {
				tc.check(t, req.body)
			}
		})
	}
}

func TestAuthenticateFields(t *testing.T) {
	_, dev := newServer(t, devicesim.ECDSAP256)
	body, err := dev.AuthenticateMessage()
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mdm.DecodeCheckin(body)
	if err != nil {
		t.Fatal(err)
	}
	auth := msg.(*mdm.Authenticate)
	if auth.SerialNumber != dev.SerialNumber {
		t.Errorf("got SerialNumber %q, want %q", auth.SerialNumber, dev.SerialNumber)
	}
	for _, field := range []string{dev.Model, dev.OSVersion, dev.BuildVersion, dev.ProductName} {
		if !bytes.Contains(body, []byte("<string>"+field+"</string>")) {
			t.Errorf("got body without %q", field)
		}
	}
}
