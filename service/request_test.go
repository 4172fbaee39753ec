package service_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
	"github.com/mdmforge/nanomdm/service/internal/servicetest"
)

// plistBody returns an XML plist dict holding the given raw key/value XML.
func plistBody(entries string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>` + entries + `</dict></plist>`)
}

func checkinBody(messageType, extra string) []byte {
	return plistBody(fmt.Sprintf(
		"<key>MessageType</key><string>%s</string><key>UDID</key><string>UDID-1</string>%s",
		messageType, extra,
	))
}

const bootstrapReply = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict><key>BootstrapToken</key><data>aGVsbG8=</data></dict></plist>
`

const tokenReply = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict><key>TokenData</key><data>dG9rZW4=</data></dict></plist>
`

func TestCheckinRequestReplies(t *testing.T) {
	tests := []struct {
		name     string
		body     []byte
		svc      *servicetest.Recorder
		want     []byte
		wantCall string
	}{
		{"authenticate", checkinBody("Authenticate", ""), &servicetest.Recorder{}, nil, "Authenticate"},
		{"token update", checkinBody("TokenUpdate", ""), &servicetest.Recorder{}, nil, "TokenUpdate"},
		{"check out", checkinBody("CheckOut", ""), &servicetest.Recorder{}, nil, "CheckOut"},
		{"set bootstrap token", checkinBody("SetBootstrapToken", ""), &servicetest.Recorder{}, nil, "SetBootstrapToken"},
		{
			"get bootstrap token",
			checkinBody("GetBootstrapToken", ""),
			&servicetest.Recorder{Token: &mdm.BootstrapToken{BootstrapToken: []byte("hello")}},
			[]byte(bootstrapReply),
			"GetBootstrapToken",
		},
		{"get bootstrap token none", checkinBody("GetBootstrapToken", ""), &servicetest.Recorder{}, nil, "GetBootstrapToken"},
		{
			"get bootstrap token empty",
			checkinBody("GetBootstrapToken", ""),
			&servicetest.Recorder{Token: &mdm.BootstrapToken{BootstrapToken: []byte{}}},
			nil,
			"GetBootstrapToken",
		},
		{
			"user authenticate verbatim",
			checkinBody("UserAuthenticate", ""),
			&servicetest.Recorder{Reply: []byte("ua reply")},
			[]byte("ua reply"),
			"UserAuthenticate",
		},
		{
			"declarative management verbatim",
			checkinBody("DeclarativeManagement", "<key>Endpoint</key><string>tokens</string>"),
			&servicetest.Recorder{Reply: []byte(`{"a":1}`)},
			[]byte(`{"a":1}`),
			"DeclarativeManagement",
		},
		{
			"get token",
			checkinBody("GetToken", "<key>TokenServiceType</key><string>com.apple.maid</string>"),
			&servicetest.Recorder{TokenResponse: &mdm.GetTokenResponse{TokenData: []byte("token")}},
			[]byte(tokenReply),
			"GetToken",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := service.CheckinRequest(tc.svc, &mdm.Request{}, tc.body)
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Errorf("got reply %q, want %q", got, tc.want)
			}
			if len(tc.svc.Methods()) != 1 || tc.svc.Methods()[0] != tc.wantCall {
				t.Errorf("got calls %v, want [%s]", tc.svc.Methods(), tc.wantCall)
			}
		})
	}
}

func TestCheckinRequestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		body []byte
	}{
		{"empty body", nil},
		{"not a plist", []byte("hello")},
		{"unknown message type", checkinBody("Bogus", "")},
		{"missing message type", plistBody("<key>UDID</key><string>X</string>")},
		{"token as string", checkinBody("TokenUpdate", "<key>Token</key><string>abc</string>")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc := &servicetest.Recorder{}
			_, err := service.CheckinRequest(svc, &mdm.Request{}, tc.body)
			var parseErr *mdm.ParseError
			if !errors.As(err, &parseErr) {
				t.Fatalf("got error %v, want a *mdm.ParseError", err)
			}
			if len(svc.Methods()) != 0 {
				t.Errorf("got calls %v, want none", svc.Methods())
			}
		})
	}
}

func TestCheckinRequestGetTokenValidation(t *testing.T) {
	tests := []struct {
		name string
		body []byte
	}{
		{"empty service type", checkinBody("GetToken", "")},
		{
			"watch pairing without parameters",
			checkinBody("GetToken", "<key>TokenServiceType</key><string>com.apple.watch.pairing</string>"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc := &servicetest.Recorder{}
			_, err := service.CheckinRequest(svc, &mdm.Request{}, tc.body)
			if err == nil {
				t.Fatal("got nil error, want a validation error")
			}
			var parseErr *mdm.ParseError
			if errors.As(err, &parseErr) {
				t.Errorf("got a *mdm.ParseError %v, want a plain error", err)
			}
			if len(svc.Methods()) != 0 {
				t.Errorf("got calls %v, want none", svc.Methods())
			}
		})
	}
}

func TestCheckinRequestServiceErrors(t *testing.T) {
	errStore := errors.New("storage down")
	tests := []struct {
		name      string
		body      []byte
		svc       *servicetest.Recorder
		wantErr   error
		wantReply []byte
	}{
		{"authenticate error", checkinBody("Authenticate", ""), &servicetest.Recorder{Err: errStore}, errStore, nil},
		{
			"declarative management keeps body",
			checkinBody("DeclarativeManagement", "<key>Endpoint</key><string>status</string>"),
			&servicetest.Recorder{Reply: []byte("upstream"), Err: errStore},
			errStore,
			[]byte("upstream"),
		},
		{
			"get token without response",
			checkinBody("GetToken", "<key>TokenServiceType</key><string>com.apple.maid</string>"),
			&servicetest.Recorder{},
			service.ErrNoGetTokenResponse,
			nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := service.CheckinRequest(tc.svc, &mdm.Request{}, tc.body)
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("got error %v, want %v", err, tc.wantErr)
			}
			if !bytes.Equal(got, tc.wantReply) {
				t.Errorf("got reply %q, want %q", got, tc.wantReply)
			}
		})
	}
}

func TestCommandAndReportResultsRequest(t *testing.T) {
	report := plistBody("<key>UDID</key><string>UDID-1</string><key>Status</key><string>Idle</string>")
	raw := []byte("raw command bytes")
	tests := []struct {
		name    string
		body    []byte
		svc     *servicetest.Recorder
		want    []byte
		wantErr bool
	}{
		{"next command", report, &servicetest.Recorder{Command: &mdm.Command{Raw: mdm.Raw{Raw: raw}}}, raw, false},
		{"no command", report, &servicetest.Recorder{}, nil, false},
		{"service error", report, &servicetest.Recorder{Err: errors.New("boom")}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := service.CommandAndReportResultsRequest(tc.svc, &mdm.Request{}, tc.body)
			if (err != nil) != tc.wantErr {
				t.Fatalf("got error %v, want error %v", err, tc.wantErr)
			}
			if !bytes.Equal(got, tc.want) {
				t.Errorf("got reply %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCommandAndReportResultsRequestDecodeErrors(t *testing.T) {
	tests := []struct {
		name    string
		body    []byte
		wantErr error
	}{
		{"not a plist", []byte("nope"), nil},
		{"missing status", plistBody("<key>UDID</key><string>U</string>"), mdm.ErrInvalidCommandResult},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc := &servicetest.Recorder{}
			_, err := service.CommandAndReportResultsRequest(svc, &mdm.Request{}, tc.body)
			var parseErr *mdm.ParseError
			switch {
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Errorf("got error %v, want %v", err, tc.wantErr)
			case tc.wantErr == nil && !errors.As(err, &parseErr):
				t.Errorf("got error %v, want a *mdm.ParseError", err)
			}
			if len(svc.Methods()) != 0 {
				t.Errorf("got calls %v, want none", svc.Methods())
			}
		})
	}
}
