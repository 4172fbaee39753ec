package service_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
)

// recorder is a [service.CheckinAndCommandService] that records the
// message types it was called with and returns canned values.
type recorder struct {
	calls     []string
	token     *mdm.BootstrapToken
	tokenResp *mdm.GetTokenResponse
	reply     []byte
	command   *mdm.Command
	err       error
}

func (s *recorder) Authenticate(*mdm.Request, *mdm.Authenticate) error {
	s.calls = append(s.calls, mdm.MessageAuthenticate)
	return s.err
}

func (s *recorder) TokenUpdate(*mdm.Request, *mdm.TokenUpdate) error {
	s.calls = append(s.calls, mdm.MessageTokenUpdate)
	return s.err
}

func (s *recorder) CheckOut(*mdm.Request, *mdm.CheckOut) error {
	s.calls = append(s.calls, mdm.MessageCheckOut)
	return s.err
}

func (s *recorder) SetBootstrapToken(*mdm.Request, *mdm.SetBootstrapToken) error {
	s.calls = append(s.calls, mdm.MessageSetBootstrapToken)
	return s.err
}

func (s *recorder) GetBootstrapToken(*mdm.Request, *mdm.GetBootstrapToken) (*mdm.BootstrapToken, error) {
	s.calls = append(s.calls, mdm.MessageGetBootstrapToken)
	return s.token, s.err
}

func (s *recorder) UserAuthenticate(*mdm.Request, *mdm.UserAuthenticate) ([]byte, error) {
	s.calls = append(s.calls, mdm.MessageUserAuthenticate)
	return s.reply, s.err
}

func (s *recorder) DeclarativeManagement(*mdm.Request, *mdm.DeclarativeManagement) ([]byte, error) {
	s.calls = append(s.calls, mdm.MessageDeclarativeManagement)
	return s.reply, s.err
}

func (s *recorder) GetToken(*mdm.Request, *mdm.GetToken) (*mdm.GetTokenResponse, error) {
	s.calls = append(s.calls, mdm.MessageGetToken)
	return s.tokenResp, s.err
}

func (s *recorder) CommandAndReportResults(*mdm.Request, *mdm.CommandResults) (*mdm.Command, error) {
	s.calls = append(s.calls, "report")
	return s.command, s.err
}

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
		svc      *recorder
		want     []byte
		wantCall string
	}{
		{"authenticate", checkinBody("Authenticate", ""), &recorder{}, nil, "Authenticate"},
		{"token update", checkinBody("TokenUpdate", ""), &recorder{}, nil, "TokenUpdate"},
		{"check out", checkinBody("CheckOut", ""), &recorder{}, nil, "CheckOut"},
		{"set bootstrap token", checkinBody("SetBootstrapToken", ""), &recorder{}, nil, "SetBootstrapToken"},
		{
			"get bootstrap token",
			checkinBody("GetBootstrapToken", ""),
			&recorder{token: &mdm.BootstrapToken{BootstrapToken: []byte("hello")}},
			[]byte(bootstrapReply),
			"GetBootstrapToken",
		},
		{"get bootstrap token none", checkinBody("GetBootstrapToken", ""), &recorder{}, nil, "GetBootstrapToken"},
		{
			"get bootstrap token empty",
			checkinBody("GetBootstrapToken", ""),
			&recorder{token: &mdm.BootstrapToken{BootstrapToken: []byte{}}},
			nil,
			"GetBootstrapToken",
		},
		{
			"user authenticate verbatim",
			checkinBody("UserAuthenticate", ""),
			&recorder{reply: []byte("ua reply")},
			[]byte("ua reply"),
			"UserAuthenticate",
		},
		{
			"declarative management verbatim",
			checkinBody("DeclarativeManagement", "<key>Endpoint</key><string>tokens</string>"),
			&recorder{reply: []byte(`{"a":1}`)},
			[]byte(`{"a":1}`),
			"DeclarativeManagement",
		},
		{
			"get token",
			checkinBody("GetToken", "<key>TokenServiceType</key><string>com.apple.maid</string>"),
			&recorder{tokenResp: &mdm.GetTokenResponse{TokenData: []byte("token")}},
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
			if len(tc.svc.calls) != 1 || tc.svc.calls[0] != tc.wantCall {
				t.Errorf("got calls %v, want [%s]", tc.svc.calls, tc.wantCall)
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
			svc := &recorder{}
			_, err := service.CheckinRequest(svc, &mdm.Request{}, tc.body)
			var parseErr *mdm.ParseError
			if !errors.As(err, &parseErr) {
				t.Fatalf("got error %v, want a *mdm.ParseError", err)
			}
			if len(svc.calls) != 0 {
				t.Errorf("got calls %v, want none", svc.calls)
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
			svc := &recorder{}
			_, err := service.CheckinRequest(svc, &mdm.Request{}, tc.body)
			if err == nil {
				t.Fatal("got nil error, want a validation error")
			}
			var parseErr *mdm.ParseError
			if errors.As(err, &parseErr) {
				t.Errorf("got a *mdm.ParseError %v, want a plain error", err)
			}
			if len(svc.calls) != 0 {
				t.Errorf("got calls %v, want none", svc.calls)
			}
		})
	}
}

func TestCheckinRequestServiceErrors(t *testing.T) {
	errStore := errors.New("storage down")
	tests := []struct {
		name      string
		body      []byte
		svc       *recorder
		wantErr   error
		wantReply []byte
	}{
		{"authenticate error", checkinBody("Authenticate", ""), &recorder{err: errStore}, errStore, nil},
		{
			"declarative management keeps body",
			checkinBody("DeclarativeManagement", "<key>Endpoint</key><string>status</string>"),
			&recorder{reply: []byte("upstream"), err: errStore},
			errStore,
			[]byte("upstream"),
		},
		{
			"get token without response",
			checkinBody("GetToken", "<key>TokenServiceType</key><string>com.apple.maid</string>"),
			&recorder{},
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
		svc     *recorder
		want    []byte
		wantErr bool
	}{
		{"next command", report, &recorder{command: &mdm.Command{Raw: mdm.Raw{Raw: raw}}}, raw, false},
		{"no command", report, &recorder{}, nil, false},
		{"service error", report, &recorder{err: errors.New("boom")}, nil, true},
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
			svc := &recorder{}
			_, err := service.CommandAndReportResultsRequest(svc, &mdm.Request{}, tc.body)
			var parseErr *mdm.ParseError
			switch {
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Errorf("got error %v, want %v", err, tc.wantErr)
			case tc.wantErr == nil && !errors.As(err, &parseErr):
				t.Errorf("got error %v, want a *mdm.ParseError", err)
			}
			if len(svc.calls) != 0 {
				t.Errorf("got calls %v, want none", svc.calls)
			}
		})
	}
}
