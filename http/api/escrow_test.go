package api_test

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/mdmforge/nanomdm/http/api"
	"github.com/mdmforge/nanomdm/push/apns/apnstest"
)

// upstreamRequest is what the mock escrow endpoint received.
type upstreamRequest struct {
	method, query, body, contentType, clientSerial string
}

// escrowFixture runs the escrow handler against a mock of Apple's
// endpoint, both on 127.0.0.1.
type escrowFixture struct {
	api      *httptest.Server
	serial   string // of the stored push certificate
	mu       sync.Mutex
	received []upstreamRequest
}

func newEscrowFixture(t *testing.T, upstreamStatus int, upstreamBody string) *escrowFixture {
	t.Helper()
	f := &escrowFixture{}
	upstream := apnstest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.received = append(f.received, upstreamRequest{
			method:       r.Method,
			query:        r.URL.RawQuery,
			body:         string(body),
			contentType:  r.Header.Get("Content-Type"),
			clientSerial: r.TLS.PeerCertificates[0].SerialNumber.String(),
		})
		f.mu.Unlock()
		w.Header().Set("X-Upstream", "1")
		w.WriteHeader(upstreamStatus)
		_, _ = io.WriteString(w, upstreamBody)
	}))

	cert := apnstest.NewPushCert(t, testTopic, testNotAfter)
	f.serial = cert.Certificate.SerialNumber.String()
	store := newFakeCertStore()
	if err := store.StorePushCert(t.Context(), cert.CertPEM, cert.KeyPEM); err != nil {
		t.Fatalf("StorePushCert: %v", err)
	}
	a := api.New(store, newFakeEnqueuer(), &fakePusher{},
		api.WithEscrowURL(upstream.URL+"/deviceservicesworkers/escrowKeyUnlock"),
		api.WithEscrowTLSConfig(&tls.Config{RootCAs: apnstest.RootCAs(upstream)}),
		api.WithMaxBodySize(1024))
	f.api = httptest.NewServer(a.EscrowKeyUnlockHandler())
	t.Cleanup(f.api.Close)
	return f
}

func (f *escrowFixture) upstreamRequests() []upstreamRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]upstreamRequest(nil), f.received...)
}

// post sends body to the handler and returns the status, Content-Type,
// whether X-Upstream leaked through, and the body.
func (f *escrowFixture) post(t *testing.T, method, query, contentType, body string) (int, string, bool, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, f.api.URL+"/v1/escrowkeyunlock"+query, strings.NewReader(body))
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := f.api.Client().Do(req)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("X-Upstream") != "", string(got)
}

var escrowForm = url.Values{
	"serial":      {"C8TJ500QF1MN"},
	"productType": {"MacBookPro17,1"},
	"orgName":     {"Acme Inc"},
	"guid":        {"12346"},
	"escrowKey":   {"3UM4-ABCD"},
	"imei":        {"111"},
	"meid":        {"222"},
	"topic":       {testTopic},
}

func TestEscrowForwardsToApple(t *testing.T) {
	f := newEscrowFixture(t, http.StatusOK, "<dict>ok</dict>")
	status, contentType, leaked, body := f.post(t, http.MethodPost, "", "application/x-www-form-urlencoded", escrowForm.Encode())

	if status != http.StatusOK || body != "<dict>ok</dict>" {
		t.Errorf("got %d %q, want 200 %q", status, body, "<dict>ok</dict>")
	}
	if contentType != "text/plain; charset=utf-8" {
		t.Errorf("got Content-Type %q, want the sniffed text/plain; charset=utf-8", contentType)
	}
	if leaked {
		t.Errorf("got upstream header X-Upstream in the response, want headers dropped")
	}
	reqs := f.upstreamRequests()
	if len(reqs) != 1 {
		t.Fatalf("got %d upstream requests, want 1", len(reqs))
	}
	want := upstreamRequest{
		method:       http.MethodPost,
		query:        "imei=111&meid=222&productType=MacBookPro17%2C1&serial=C8TJ500QF1MN",
		body:         "escrowKey=3UM4-ABCD&guid=12346&orgName=Acme+Inc",
		contentType:  "application/x-www-form-urlencoded",
		clientSerial: f.serial,
	}
	if reqs[0] != want {
		t.Errorf("got upstream request %+v, want %+v", reqs[0], want)
	}
}

func TestEscrowCopiesUpstreamError(t *testing.T) {
	f := newEscrowFixture(t, http.StatusForbidden, `{"error":"denied"}`)
	status, _, _, body := f.post(t, http.MethodPut, "", "application/x-www-form-urlencoded", escrowForm.Encode())
	if status != http.StatusForbidden || body != `{"error":"denied"}` {
		t.Errorf("got %d %q, want 403 with the upstream body", status, body)
	}
}

func TestEscrowBadRequests(t *testing.T) {
	without := func(key string) string {
		v := url.Values{}
		for k, vals := range escrowForm {
			if k != key {
				v[k] = vals
			}
		}
		return v.Encode()
	}
	const form = "application/x-www-form-urlencoded"
	const other = "com.apple.mgmt.External.other"
	tests := []struct {
		name        string
		method      string
		query       string
		contentType string
		body        string
		wantStatus  int
		wantBody    string
	}{
		{name: "no parameters", method: "POST", contentType: form, wantStatus: 400, wantBody: errorJSON("invalid or missing parameters")},
		{name: "missing escrowKey", method: "POST", contentType: form, body: without("escrowKey"), wantStatus: 400, wantBody: errorJSON("invalid or missing parameters")},
		{name: "missing topic", method: "POST", contentType: form, body: without("topic"), wantStatus: 400, wantBody: errorJSON("empty topic")},
		{name: "query parameters ignored", method: "POST", query: "?" + escrowForm.Encode(), contentType: form, wantStatus: 400, wantBody: errorJSON("invalid or missing parameters")},
		{name: "GET body ignored", method: "GET", contentType: form, body: escrowForm.Encode(), wantStatus: 400, wantBody: errorJSON("invalid or missing parameters")},
		{name: "JSON body", method: "POST", contentType: "application/json", body: `{"serial":"x"}`, wantStatus: 400, wantBody: errorJSON("invalid or missing parameters")},
		{name: "invalid form encoding", method: "POST", contentType: form, body: "serial=%zz", wantStatus: 400, wantBody: errorJSON(`parsing form: invalid URL escape \"%zz\"`)},
		{name: "unknown topic", method: "POST", contentType: form, body: without("topic") + "&topic=" + other, wantStatus: 500, wantBody: errorJSON("retrieve push cert for topic: " + other + ": getting " + other + ".pem: key not found: " + other + ".pem")},
		{name: "body over the limit", method: "POST", contentType: form, body: escrowForm.Encode() + "&pad=" + strings.Repeat("x", 1024), wantStatus: 413, wantBody: errorJSON("reading body: request body larger than the 1024-byte limit")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newEscrowFixture(t, http.StatusOK, "ok")
			status, contentType, _, body := f.post(t, tt.method, tt.query, tt.contentType, tt.body)
			if status != tt.wantStatus {
				t.Errorf("got status %d, want %d", status, tt.wantStatus)
			}
			if contentType != "application/json" {
				t.Errorf("got Content-Type %q, want application/json", contentType)
			}
			if body != tt.wantBody {
				t.Errorf("got body %q, want %q", body, tt.wantBody)
			}
			if n := len(f.upstreamRequests()); n != 0 {
				t.Errorf("got %d upstream requests, want none", n)
			}
		})
	}
}

func TestEscrowUpstreamUnreachable(t *testing.T) {
	cert := apnstest.NewPushCert(t, testTopic, testNotAfter)
	store := newFakeCertStore()
	if err := store.StorePushCert(t.Context(), cert.CertPEM, cert.KeyPEM); err != nil {
		t.Fatalf("StorePushCert: %v", err)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	a := api.New(store, newFakeEnqueuer(), &fakePusher{}, api.WithEscrowURL(closed.URL))

	req := httptest.NewRequest(http.MethodPost, "/v1/escrowkeyunlock", strings.NewReader(escrowForm.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	a.EscrowKeyUnlockHandler().ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("got status %d, want 500", rec.Code)
	}
	if !strings.HasPrefix(rec.Body.String(), "{\n\t\"error\": \"Post \\\""+closed.URL) {
		t.Errorf("got body %q, want the transport error", rec.Body.String())
	}
}
