package dmhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
	"github.com/mdmforge/nanomdm/service/dmhook"
)

// received is one request the DM test server received.
type received struct {
	method string
	uri    string
	header http.Header
	body   string
}

// dmServer records requests and replies with a fixed status, body and
// signature key.
type dmServer struct {
	status  int
	body    string
	signKey []byte // when set, responses carry a valid X-Hmac-Signature

	mu       sync.Mutex
	requests []received
}

func (s *dmServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, received{r.Method, r.RequestURI, r.Header.Clone(), string(body)})
	s.mu.Unlock()
	if s.signKey != nil {
		w.Header().Set("X-Hmac-Signature", sign(s.signKey, []byte(s.body)))
	}
	if s.status != 0 {
		w.WriteHeader(s.status)
	}
	_, _ = io.WriteString(w, s.body)
}

func (s *dmServer) got() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.requests...)
}

func sign(key, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func start(t *testing.T, s *dmServer) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv
}

func newHook(t *testing.T, base string, opts ...dmhook.Option) *dmhook.DMHook {
	t.Helper()
	d, err := dmhook.New(base, opts...)
	if err != nil {
		t.Fatalf("New(%q): got error %v, want nil", base, err)
	}
	return d
}

var (
	deviceID = &mdm.EnrollID{Type: mdm.Device, ID: "DEV-1"}
	userID   = &mdm.EnrollID{Type: mdm.User, ID: "DEV-1:USER-1", ParentID: "DEV-1"}
)

func request(id *mdm.EnrollID) *mdm.Request {
	r := mdm.NewRequest(context.Background(), nil)
	r.EnrollID = id
	return r
}

func TestEndpointResolution(t *testing.T) {
	tests := []struct {
		name     string
		basePath string
		endpoint string
		wantURI  string // "" means rejected with 400
	}{
		{"tokens", "/dm/", "tokens", "/dm/tokens"},
		{"declaration items", "/dm/", "declaration-items", "/dm/declaration-items"},
		{"status", "/dm/", "status", "/dm/status"},
		{"declaration with query", "/dm/", "declaration/configuration/abc?x=1", "/dm/declaration/configuration/abc?x=1"},
		{"empty endpoint", "/dm/", "", "/dm/"},
		{"no trailing slash replaces segment", "/dm", "tokens", "/tokens"},
		{"no trailing slash declaration", "/a/dm", "declaration/x/y", "/a/declaration/x/y"},
		{"empty base path", "", "foo", "/foo"},
		{"absolute path", "/dm/", "/abs/path", ""},
		{"dot dot", "/dm/", "../x", ""},
		{"dot dot inside", "/dm/", "declaration/../../x", ""},
		{"encoded dot dot", "/dm/", "%2e%2e/x", ""},
		{"encoded slash dot dot", "/dm/", "declaration%2F..%2Fx", ""},
		{"other host", "/dm/", "http://other.invalid/dm/tokens", ""},
		{"network path", "/dm/", "//other.invalid/dm/tokens", ""},
		{"other scheme", "/dm/", "https://127.0.0.1/dm/tokens", ""},
		{"user info", "/dm/", "//user@HOST/dm/tokens", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &dmServer{body: "ok"}
			srv := start(t, s)
			d := newHook(t, srv.URL+tc.basePath)
			endpoint := strings.ReplaceAll(tc.endpoint, "HOST", strings.TrimPrefix(srv.URL, "http://"))

			got, err := d.DeclarativeManagement(request(deviceID), &mdm.DeclarativeManagement{Endpoint: endpoint})
			if tc.wantURI == "" {
				var statusErr *service.HTTPStatusError
				if !errors.As(err, &statusErr) || statusErr.Status != http.StatusBadRequest {
					t.Fatalf("got error %v, want a 400 status error", err)
				}
				if n := len(s.got()); n != 0 {
					t.Errorf("got %d requests sent, want 0", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if string(got) != "ok" {
				t.Errorf("got body %q, want %q", got, "ok")
			}
			if reqs := s.got(); len(reqs) != 1 || reqs[0].uri != tc.wantURI {
				t.Errorf("got requests %+v, want one to %s", reqs, tc.wantURI)
			}
		})
	}
}

func TestUnparseableEndpoint(t *testing.T) {
	d := newHook(t, "http://127.0.0.1:1/dm/")
	_, err := d.DeclarativeManagement(request(deviceID), &mdm.DeclarativeManagement{Endpoint: "%zz"})
	var statusErr *service.HTTPStatusError
	if err == nil || errors.As(err, &statusErr) {
		t.Errorf("got error %v, want a plain parse error", err)
	}
}

func TestGetAndPut(t *testing.T) {
	key := []byte("send-key")
	tests := []struct {
		name            string
		id              *mdm.EnrollID
		data            string
		wantMethod      string
		wantContentType string
		wantParent      string
	}{
		{name: "device get", id: deviceID, wantMethod: http.MethodGet},
		{name: "user get", id: userID, wantMethod: http.MethodGet, wantParent: "DEV-1"},
		{name: "device put", id: deviceID, data: `{"s":1}`, wantMethod: http.MethodPut, wantContentType: "application/json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &dmServer{}
			srv := start(t, s)
			d := newHook(t, srv.URL+"/", dmhook.WithSendHMACKey(key))
			msg := &mdm.DeclarativeManagement{Endpoint: "status", Data: []byte(tc.data)}
			if _, err := d.DeclarativeManagement(request(tc.id), msg); err != nil {
				t.Fatalf("got error %v, want nil", err)
			}

			got := s.got()[0]
			checks := []struct{ what, got, want string }{
				{"method", got.method, tc.wantMethod},
				{"body", got.body, tc.data},
				{"Content-Type", got.header.Get("Content-Type"), tc.wantContentType},
				{"X-Enrollment-ID", got.header.Get("X-Enrollment-ID"), tc.id.ID},
				{"X-Enrollment-Type", got.header.Get("X-Enrollment-Type"), tc.id.Type.String()},
				{"X-Enrollment-ParentID", got.header.Get("X-Enrollment-ParentID"), tc.wantParent},
				{"X-Hmac-Signature", got.header.Get("X-Hmac-Signature"), sign(key, []byte(tc.data))},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("got %s %q, want %q", c.what, c.got, c.want)
				}
			}
			if _, ok := got.header["X-Enrollment-Parentid"]; !ok && tc.wantParent != "" {
				t.Error("got no X-Enrollment-Parentid header, want one")
			}
		})
	}
}

func TestResponseStatusAndSignature(t *testing.T) {
	recvKey := []byte("recv-key")
	tests := []struct {
		name     string
		server   *dmServer
		wantBody string
		wantErr  string
	}{
		{name: "signed 200", server: &dmServer{body: "tokens", signKey: recvKey}, wantBody: "tokens"},
		{name: "wrong key", server: &dmServer{body: "tokens", signKey: []byte("other")}, wantErr: "invalid body hash header"},
		{name: "unsigned", server: &dmServer{body: "tokens"}, wantErr: "invalid body hash header"},
		{
			name:     "signed 500 keeps body",
			server:   &dmServer{status: 500, body: "dm upstream failure body", signKey: recvKey},
			wantBody: "dm upstream failure body",
			wantErr:  "DM hook HTTP status: 500",
		},
		{name: "unsigned 500", server: &dmServer{status: 500, body: "x"}, wantErr: "invalid body hash header"},
		{name: "201 fails", server: &dmServer{status: 201, body: "c", signKey: recvKey}, wantBody: "c", wantErr: "DM hook HTTP status: 201"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := start(t, tc.server)
			d := newHook(t, srv.URL+"/", dmhook.WithRecvHMACKey(recvKey))
			got, err := d.DeclarativeManagement(request(deviceID), &mdm.DeclarativeManagement{Endpoint: "tokens"})
			if string(got) != tc.wantBody {
				t.Errorf("got body %q, want %q", got, tc.wantBody)
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("got error %v, want nil", err)
			case tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr):
				t.Errorf("got error %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestNon200WithoutRecvKey(t *testing.T) {
	srv := start(t, &dmServer{status: http.StatusNotFound, body: "missing"})
	d := newHook(t, srv.URL+"/")
	got, err := d.DeclarativeManagement(request(deviceID), &mdm.DeclarativeManagement{Endpoint: "x"})
	if err == nil || string(got) != "missing" {
		t.Errorf("got %q, %v, want %q and an error", got, err, "missing")
	}
}

func TestMissingEnrollmentID(t *testing.T) {
	s := &dmServer{}
	d := newHook(t, start(t, s).URL+"/")
	_, err := d.DeclarativeManagement(request(nil), &mdm.DeclarativeManagement{Endpoint: "tokens"})
	if !errors.Is(err, mdm.ErrNoEnrollmentID) {
		t.Errorf("got error %v, want %v", err, mdm.ErrNoEnrollmentID)
	}
	if n := len(s.got()); n != 0 {
		t.Errorf("got %d requests, want 0", n)
	}
}

func TestCancelledContext(t *testing.T) {
	d := newHook(t, start(t, &dmServer{}).URL+"/")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := request(deviceID)
	r.Context = ctx
	if _, err := d.DeclarativeManagement(r, &mdm.DeclarativeManagement{Endpoint: "tokens"}); !errors.Is(err, context.Canceled) {
		t.Errorf("got error %v, want %v", err, context.Canceled)
	}
}

func TestOversizedResponse(t *testing.T) {
	srv := start(t, &dmServer{body: strings.Repeat("a", 1025)})
	d := newHook(t, srv.URL+"/", dmhook.WithMaxResponseSize(1024))
	got, err := d.DeclarativeManagement(request(deviceID), &mdm.DeclarativeManagement{Endpoint: "tokens"})
	if err == nil || !strings.Contains(err.Error(), "larger than 1024 bytes") || got != nil {
		t.Errorf("got %d bytes, error %v, want nil and a size error", len(got), err)
	}
}

func TestNewInvalidBase(t *testing.T) {
	for _, base := range []string{"", "/dm/", "ftp://host/dm/", "http://", "http://h/%zz", "127.0.0.1:9000/dm"} {
		t.Run(base, func(t *testing.T) {
			if _, err := dmhook.New(base); err == nil {
				t.Errorf("New(%q): got nil error, want one", base)
			}
		})
	}
}

func TestResponseAtSizeLimit(t *testing.T) {
	srv := start(t, &dmServer{body: strings.Repeat("a", 1024)})
	d := newHook(t, srv.URL+"/", dmhook.WithMaxResponseSize(1024))
	got, err := d.DeclarativeManagement(request(deviceID), &mdm.DeclarativeManagement{Endpoint: "tokens"})
	if err != nil || len(got) != 1024 {
		t.Errorf("got %d bytes, error %v, want 1024 bytes and nil", len(got), err)
	}
}
