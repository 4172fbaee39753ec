package authproxy_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/cryptoutil"
	"github.com/mdmforge/nanomdm/http/authproxy"
	httpmdm "github.com/mdmforge/nanomdm/http/mdm"
	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

type fakeStore struct {
	ids map[string]string
	err error
}

func (s *fakeStore) EnrollmentFromHash(_ context.Context, hash string) (string, error) {
	return s.ids[hash], s.err
}

// upstreamRequest is what the upstream server saw.
type upstreamRequest struct {
	path, query, host string
	header            http.Header
	body              string
}

func newUpstream(t *testing.T, seen chan<- upstreamRequest) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seen <- upstreamRequest{
			path: r.URL.Path, query: r.URL.RawQuery, host: r.Host, header: r.Header.Clone(), body: string(b),
		}
		w.Header().Set("X-Upstream", "yes")
		w.WriteHeader(http.StatusTeapot)
		w.Write([]byte("from upstream"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newProxy(t *testing.T, target string, store authproxy.EnrollmentStore) http.Handler {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	h := authproxy.New(u, store, httpmdm.Certificate)
	withTrace := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(log.WithTraceID(r.Context(), "0123456789abcdef")))
	})
	return http.StripPrefix("/authproxy", httpmdm.CertExtractMdmSignature(withTrace))
}

func newIdentity(t *testing.T) *devicesim.Identity {
	t.Helper()
	id, err := devicesim.NewSelfSignedIdentity(devicesim.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func signedRequest(t *testing.T, id *devicesim.Identity, target, body string) *http.Request {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	sig, err := id.Sign([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Mdm-Signature", sig)
	req.Header.Set("X-Enrollment-ID", "spoofed")
	req.RemoteAddr = "127.0.0.1:4444"
	return req
}

func TestProxyForwards(t *testing.T) {
	t.Parallel()
	seen := make(chan upstreamRequest, 1)
	upstream := newUpstream(t, seen)
	id := newIdentity(t)
	store := &fakeStore{ids: map[string]string{cryptoutil.CertHash(id.Cert): "UDID-1"}}
	h := newProxy(t, upstream.URL+"/proxied/?t=1", store)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, signedRequest(t, id, "/authproxy/foo/bar?q=2", "payload"))

	if rec.Code != http.StatusTeapot {
		t.Fatalf("got status %d, want upstream's 418", rec.Code)
	}
	if got := rec.Header().Get("X-Upstream"); got != "yes" {
		t.Errorf("got upstream header %q, want %q", got, "yes")
	}
	got := <-seen
	checks := []struct{ name, got, want string }{
		{"path", got.path, "/proxied/foo/bar"},
		{"query", got.query, "t=1&q=2"},
		{"body", got.body, "payload"},
		{"enrollment ID", got.header.Get("X-Enrollment-ID"), "UDID-1"},
		{"trace ID", got.header.Get("X-Trace-ID"), "0123456789abcdef"},
		{"signature", got.header.Get("Mdm-Signature"), ""},
		{"forwarded for", got.header.Get("X-Forwarded-For"), "127.0.0.1"},
		{"forwarded host", got.header.Get("X-Forwarded-Host"), ""},
		{"forwarded proto", got.header.Get("X-Forwarded-Proto"), ""},
		{"host", got.host, strings.TrimPrefix(upstream.URL, "http://")},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestProxyRejects(t *testing.T) {
	t.Parallel()
	id := newIdentity(t)
	bound := &fakeStore{ids: map[string]string{cryptoutil.CertHash(id.Cert): "UDID-1"}}
	tests := []struct {
		name     string
		store    *fakeStore
		signed   bool
		want     int
		wantBody string
	}{
		{name: "no certificate", store: bound, want: http.StatusBadRequest, wantBody: "Unauthorized\n"},
		{name: "not bound", store: &fakeStore{}, signed: true, want: http.StatusBadRequest, wantBody: "Unauthorized\n"},
		{name: "lookup fails", store: &fakeStore{err: errors.New("db down")}, signed: true, want: http.StatusInternalServerError, wantBody: "Internal Server Error\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			seen := make(chan upstreamRequest, 1)
			h := newProxy(t, newUpstream(t, seen).URL, tt.store)
			req := httptest.NewRequest(http.MethodGet, "/authproxy/x", nil)
			if tt.signed {
				req = signedRequest(t, id, "/authproxy/x", "")
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if rec.Code != tt.want {
				t.Errorf("got status %d, want %d", rec.Code, tt.want)
			}
			if got := rec.Body.String(); got != tt.wantBody {
				t.Errorf("got body %q, want %q", got, tt.wantBody)
			}
			if len(seen) != 0 {
				t.Error("request reached upstream")
			}
		})
	}
}

func TestProxyUpstreamDown(t *testing.T) {
	t.Parallel()
	id := newIdentity(t)
	store := &fakeStore{ids: map[string]string{cryptoutil.CertHash(id.Cert): "UDID-1"}}
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	h := newProxy(t, down.URL, store)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, signedRequest(t, id, "/authproxy/", ""))

	if rec.Code != http.StatusBadGateway {
		t.Errorf("got status %d, want 502", rec.Code)
	}
	if rec.Body.Len() != 0 {
		t.Errorf("got body %q, want empty", rec.Body.String())
	}
}

func TestProxyHeadersFromClient(t *testing.T) {
	t.Parallel()
	seen := make(chan upstreamRequest, 1)
	upstream := newUpstream(t, seen)
	id := newIdentity(t)
	store := &fakeStore{ids: map[string]string{cryptoutil.CertHash(id.Cert): "UDID-1"}}
	h := newProxy(t, upstream.URL, store)

	req := signedRequest(t, id, "/authproxy/x", "payload")
	req.Header.Set("Connection", "X-Enrollment-ID, X-Trace-ID")
	req.Header.Set("X-Forwarded-For", "10.1.1.1")
	req.Header.Set("X-Forwarded-Host", "front.example.com")
	h.ServeHTTP(httptest.NewRecorder(), req)

	got := <-seen
	checks := []struct{ name, got, want string }{
		{"enrollment ID", got.header.Get("X-Enrollment-ID"), "UDID-1"},
		{"trace ID", got.header.Get("X-Trace-ID"), "0123456789abcdef"},
		{"forwarded for", got.header.Get("X-Forwarded-For"), "10.1.1.1, 127.0.0.1"},
		{"forwarded host", got.header.Get("X-Forwarded-Host"), "front.example.com"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
}
