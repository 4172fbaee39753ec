package nanomdm_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
	"github.com/mdmforge/nanomdm/service/nanomdm"
	"github.com/mdmforge/nanomdm/storage"
)

var (
	device      = mdm.Enrollment{UDID: "UDID-1"}
	userChannel = mdm.Enrollment{UDID: "UDID-1", UserID: "USER-1"}
	unresolved  = mdm.Enrollment{}
)

func newRequest() *mdm.Request {
	return mdm.NewRequest(context.Background(), nil)
}

// newService returns a core service over store whose log lines, debug
// included, are written to the returned buffer.
func newService(store *fakeStore, opts ...nanomdm.Option) (*nanomdm.Service, *bytes.Buffer) {
	var buf bytes.Buffer
	opts = append([]nanomdm.Option{nanomdm.WithLogger(log.New(&buf, true))}, opts...)
	return nanomdm.New(store, opts...), &buf
}

func TestAuthenticateSteps(t *testing.T) {
	errStore := errors.New("disk full")
	tests := []struct {
		name      string
		errs      map[string]error
		wantCalls []string
		wantErr   error
	}{
		{
			name:      "all steps",
			wantCalls: []string{"StoreAuthenticate:UDID-1", "ClearQueue:UDID-1", "Disable:UDID-1"},
		},
		{
			name:      "store fails",
			errs:      map[string]error{"StoreAuthenticate": errStore},
			wantCalls: []string{"StoreAuthenticate:UDID-1"},
			wantErr:   errStore,
		},
		{
			name:      "clear queue fails",
			errs:      map[string]error{"ClearQueue": errStore},
			wantCalls: []string{"StoreAuthenticate:UDID-1", "ClearQueue:UDID-1"},
			wantErr:   errStore,
		},
		{
			name:      "disable fails",
			errs:      map[string]error{"Disable": errStore},
			wantCalls: []string{"StoreAuthenticate:UDID-1", "ClearQueue:UDID-1", "Disable:UDID-1"},
			wantErr:   errStore,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := &fakeStore{errs: tc.errs}
			svc, _ := newService(store)
			err := svc.Authenticate(newRequest(), &mdm.Authenticate{Enrollment: device})
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("got error %v, want %v", err, tc.wantErr)
			}
			if !slices.Equal(store.calls, tc.wantCalls) {
				t.Errorf("got calls %v, want %v", store.calls, tc.wantCalls)
			}
		})
	}
}

func TestAuthenticateSetsEnrollIDAndLogs(t *testing.T) {
	svc, buf := newService(&fakeStore{})
	r := newRequest()
	err := svc.Authenticate(r, &mdm.Authenticate{Enrollment: device, SerialNumber: "SN-9"})
	if err != nil {
		t.Fatalf("got error %v, want nil", err)
	}
	if r.EnrollID == nil || r.ID != "UDID-1" || r.Type != mdm.Device {
		t.Errorf("got request ID %+v, want Device UDID-1", r.EnrollID)
	}

	line := buf.String()
	for _, want := range []string{"service=nanomdm", "id=UDID-1", "type=Device", "msg=Authenticate", "serial_number=SN-9"} {
		if !strings.Contains(line, want) {
			t.Errorf("got log %q, want it to contain %q", line, want)
		}
	}
}

func TestMessagesWithoutEnrollmentID(t *testing.T) {
	store := &fakeStore{}
	svc, _ := newService(store)
	calls := map[string]func(r *mdm.Request) error{
		"Authenticate": func(r *mdm.Request) error {
			return svc.Authenticate(r, &mdm.Authenticate{Enrollment: unresolved})
		},
		"TokenUpdate": func(r *mdm.Request) error {
			return svc.TokenUpdate(r, &mdm.TokenUpdate{Enrollment: unresolved})
		},
		"CheckOut": func(r *mdm.Request) error {
			return svc.CheckOut(r, &mdm.CheckOut{Enrollment: unresolved})
		},
		"report": func(r *mdm.Request) error {
			_, err := svc.CommandAndReportResults(r, &mdm.CommandResults{Status: "Idle"})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			r := newRequest()
			if err := call(r); !errors.Is(err, mdm.ErrNoEnrollmentID) {
				t.Errorf("got error %v, want %v", err, mdm.ErrNoEnrollmentID)
			}
			if r.EnrollID != nil {
				t.Errorf("got request ID %+v, want nil", r.EnrollID)
			}
		})
	}
	if len(store.calls) != 0 {
		t.Errorf("got store calls %v, want none", store.calls)
	}
}

func TestOverwritingEnrollIDLogsDebug(t *testing.T) {
	svc, buf := newService(&fakeStore{})
	r := newRequest()
	r.EnrollID = &mdm.EnrollID{Type: mdm.Device, ID: "OTHER"}
	if err := svc.TokenUpdate(r, &mdm.TokenUpdate{Enrollment: userChannel}); err != nil {
		t.Fatalf("got error %v, want nil", err)
	}
	if r.ID != "UDID-1:USER-1" || r.ParentID != "UDID-1" || r.Type != mdm.User {
		t.Errorf("got request ID %+v, want User UDID-1:USER-1", r.EnrollID)
	}
	if !strings.Contains(buf.String(), "overwriting enrollment id") {
		t.Errorf("got log %q, want an overwrite line", buf.String())
	}
}

func TestTokenUpdateAndCheckOut(t *testing.T) {
	store := &fakeStore{}
	svc, buf := newService(store)
	if err := svc.TokenUpdate(newRequest(), &mdm.TokenUpdate{Enrollment: userChannel}); err != nil {
		t.Fatalf("TokenUpdate: got error %v, want nil", err)
	}
	if err := svc.CheckOut(newRequest(), &mdm.CheckOut{Enrollment: userChannel}); err != nil {
		t.Fatalf("CheckOut: got error %v, want nil", err)
	}

	want := []string{"StoreTokenUpdate:UDID-1:USER-1", "Disable:UDID-1:USER-1"}
	if !slices.Equal(store.calls, want) {
		t.Errorf("got calls %v, want %v", store.calls, want)
	}
	for _, msg := range []string{"msg=TokenUpdate", "msg=CheckOut", "type=User"} {
		if !strings.Contains(buf.String(), msg) {
			t.Errorf("got log %q, want it to contain %q", buf.String(), msg)
		}
	}
}

func TestDeviceChannelOnlyMessages(t *testing.T) {
	store := &fakeStore{}
	svc, _ := newService(store)
	calls := map[string]func(r *mdm.Request) error{
		"Authenticate": func(r *mdm.Request) error {
			return svc.Authenticate(r, &mdm.Authenticate{Enrollment: userChannel})
		},
		"SetBootstrapToken": func(r *mdm.Request) error {
			return svc.SetBootstrapToken(r, &mdm.SetBootstrapToken{Enrollment: userChannel})
		},
		"GetBootstrapToken": func(r *mdm.Request) error {
			_, err := svc.GetBootstrapToken(r, &mdm.GetBootstrapToken{Enrollment: userChannel})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call(newRequest())
			if !errors.Is(err, storage.ErrDeviceChannelOnly) {
				t.Errorf("got error %v, want %v", err, storage.ErrDeviceChannelOnly)
			}
			if err != nil && !strings.Contains(err.Error(), "UDID-1:USER-1") {
				t.Errorf("got error %q, want it to name the channel", err)
			}
		})
	}
	if len(store.calls) != 0 {
		t.Errorf("got store calls %v, want none", store.calls)
	}
}

func TestBootstrapTokenDevice(t *testing.T) {
	token := &mdm.BootstrapToken{BootstrapToken: []byte("secret")}
	store := &fakeStore{token: token}
	svc, _ := newService(store)
	if err := svc.SetBootstrapToken(newRequest(), &mdm.SetBootstrapToken{Enrollment: device}); err != nil {
		t.Fatalf("SetBootstrapToken: got error %v, want nil", err)
	}
	got, err := svc.GetBootstrapToken(newRequest(), &mdm.GetBootstrapToken{Enrollment: device})
	if err != nil {
		t.Fatalf("GetBootstrapToken: got error %v, want nil", err)
	}
	if got != token {
		t.Errorf("got token %v, want %v", got, token)
	}
	want := []string{"StoreBootstrapToken:UDID-1", "RetrieveBootstrapToken:UDID-1"}
	if !slices.Equal(store.calls, want) {
		t.Errorf("got calls %v, want %v", store.calls, want)
	}
}

// replyHandler is a DeclarativeManagement, UserAuthenticate and GetToken
// handler returning fixed values.
type replyHandler struct {
	reply []byte
	err   error
}

func (h replyHandler) DeclarativeManagement(*mdm.Request, *mdm.DeclarativeManagement) ([]byte, error) {
	return h.reply, h.err
}

func (h replyHandler) UserAuthenticate(*mdm.Request, *mdm.UserAuthenticate) ([]byte, error) {
	return h.reply, h.err
}

func (h replyHandler) GetToken(*mdm.Request, *mdm.GetToken) (*mdm.GetTokenResponse, error) {
	return &mdm.GetTokenResponse{TokenData: h.reply}, h.err
}

func TestHandlersMissing(t *testing.T) {
	svc, _ := newService(&fakeStore{})
	_, err := svc.DeclarativeManagement(newRequest(), &mdm.DeclarativeManagement{Enrollment: device})
	if !errors.Is(err, nanomdm.ErrNoDeclarativeManagement) {
		t.Errorf("DeclarativeManagement: got error %v, want %v", err, nanomdm.ErrNoDeclarativeManagement)
	}
	_, err = svc.UserAuthenticate(newRequest(), &mdm.UserAuthenticate{Enrollment: userChannel})
	if !errors.Is(err, nanomdm.ErrNoUserAuthenticate) {
		t.Errorf("UserAuthenticate: got error %v, want %v", err, nanomdm.ErrNoUserAuthenticate)
	}
	_, err = svc.GetToken(newRequest(), &mdm.GetToken{Enrollment: device, TokenServiceType: "x"})
	if !errors.Is(err, nanomdm.ErrNoGetToken) {
		t.Errorf("GetToken: got error %v, want %v", err, nanomdm.ErrNoGetToken)
	}
}

func TestHandlersPassThrough(t *testing.T) {
	errUpstream := errors.New("upstream 500")
	h := replyHandler{reply: []byte("body"), err: errUpstream}
	svc, buf := newService(&fakeStore{},
		nanomdm.WithDeclarativeManagement(h),
		nanomdm.WithUserAuthenticate(h),
		nanomdm.WithGetToken(h),
	)

	msg := &mdm.DeclarativeManagement{Enrollment: device, Endpoint: "tokens"}
	got, err := svc.DeclarativeManagement(newRequest(), msg)
	if !errors.Is(err, errUpstream) || string(got) != "body" {
		t.Errorf("DeclarativeManagement: got %q, %v, want %q, %v", got, err, "body", errUpstream)
	}
	got, err = svc.UserAuthenticate(newRequest(), &mdm.UserAuthenticate{Enrollment: userChannel, DigestResponse: "d"})
	if !errors.Is(err, errUpstream) || string(got) != "body" {
		t.Errorf("UserAuthenticate: got %q, %v, want %q, %v", got, err, "body", errUpstream)
	}
	resp, err := svc.GetToken(newRequest(), &mdm.GetToken{Enrollment: device, TokenServiceType: "com.apple.maid"})
	if !errors.Is(err, errUpstream) || string(resp.TokenData) != "body" {
		t.Errorf("GetToken: got %v, %v, want TokenData %q, %v", resp, err, "body", errUpstream)
	}

	for _, want := range []string{"endpoint=tokens", "digest_response=true", "token_service_type=com.apple.maid"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("got log %q, want it to contain %q", buf.String(), want)
		}
	}
}

func TestCheckinRequestThroughCore(t *testing.T) {
	store := &fakeStore{token: &mdm.BootstrapToken{BootstrapToken: []byte("tok")}}
	svc, _ := newService(store)
	body := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>MessageType</key><string>GetBootstrapToken</string>
<key>UDID</key><string>UDID-1</string></dict></plist>`)

	got, err := service.CheckinRequest(svc, newRequest(), body)
	if err != nil {
		t.Fatalf("got error %v, want nil", err)
	}
	if !bytes.Contains(got, []byte("<data>dG9r</data>")) {
		t.Errorf("got reply %q, want the token in a data element", got)
	}
}
