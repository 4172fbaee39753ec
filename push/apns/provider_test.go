package apns_test

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/push"
	"github.com/mdmforge/nanomdm/push/apns"
	"github.com/mdmforge/nanomdm/push/apns/apnstest"
)

const testTopic = "com.apple.mgmt.External.e3b8ceac-1f18-2c8e-8a63-dd17d99435d9"

// recordedRequest is what the mock APNs saw of one push.
type recordedRequest struct {
	Method     string
	Path       string
	ProtoMajor int
	Header     http.Header
	Body       string
	RemoteAddr string
	ClientCN   string
}

// mockAPNs is a local HTTP/2 APNs stand-in that records every request and
// responds through respond, or with 200 and an apns-id when respond is nil.
type mockAPNs struct {
	mu       sync.Mutex
	requests []recordedRequest
	respond  func(w http.ResponseWriter, r *http.Request)
}

func (m *mockAPNs) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec := recordedRequest{
		Method:     r.Method,
		Path:       r.URL.Path,
		ProtoMajor: r.ProtoMajor,
		Header:     r.Header.Clone(),
		Body:       string(body),
		RemoteAddr: r.RemoteAddr,
	}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		rec.ClientCN = r.TLS.PeerCertificates[0].Subject.CommonName
	}
	m.mu.Lock()
	m.requests = append(m.requests, rec)
	m.mu.Unlock()
	if m.respond != nil {
		m.respond(w, r)
		return
	}
	w.Header().Set("apns-id", "id-"+strings.TrimPrefix(r.URL.Path, "/3/device/"))
}

func (m *mockAPNs) recorded() []recordedRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]recordedRequest(nil), m.requests...)
}

// newProvider starts mock as APNs and returns a provider for it.
func newProvider(t *testing.T, mock http.Handler, opts ...apns.Option) push.Provider {
	t.Helper()
	return providerFor(t, apnstest.NewServer(t, mock), opts...)
}

// providerFor returns a provider that pushes to srv with a new push
// certificate.
func providerFor(t *testing.T, srv *httptest.Server, opts ...apns.Option) push.Provider {
	t.Helper()
	cert := apnstest.NewPushCert(t, testTopic, time.Now().Add(time.Hour))
	opts = append([]apns.Option{apns.WithBaseURL(srv.URL), apns.WithRootCAs(apnstest.RootCAs(srv))}, opts...)
	p, err := apns.NewFactory(opts...).NewProvider(&cert.TLS)
	if err != nil {
		t.Fatalf("NewProvider: %v", err)
	}
	return p
}

func testPush(i int) *mdm.Push {
	return &mdm.Push{
		PushMagic: "6F1D7C34-9D1B-4E4F-8F0A-0000000000" + hex.EncodeToString([]byte{byte(i)}),
		Token:     []byte{0xAB, 0xCD, byte(i)},
		Topic:     testTopic,
	}
}

func TestPushSingleRequest(t *testing.T) {
	mock := &mockAPNs{}
	p := newProvider(t, mock)
	pu := testPush(1)

	got, err := p.Push(t.Context(), []*mdm.Push{pu})
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	resp := got["abcd01"]
	if resp == nil || resp.Err != nil || resp.ID != "id-abcd01" {
		t.Fatalf("got response %+v, want ID id-abcd01 and no error", resp)
	}

	reqs := mock.recorded()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	req := reqs[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"method", req.Method, http.MethodPost},
		{"path", req.Path, "/3/device/abcd01"},
		{"protocol", req.ProtoMajor, 2},
		{"content type", req.Header.Get("Content-Type"), "application/json"},
		{"body", req.Body, `{"mdm":"` + pu.PushMagic + `"}`},
		{"client certificate", req.ClientCN, "APSP:" + testTopic},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	for _, h := range []string{"apns-topic", "apns-push-type", "apns-priority", "apns-expiration", "apns-id"} {
		if v := req.Header.Get(h); v != "" {
			t.Errorf("header %s: got %q, want none", h, v)
		}
	}
}

func TestPushManyOneConnection(t *testing.T) {
	const workers, pushes = 3, 40
	var inFlight, maxInFlight atomic.Int32
	mock := &mockAPNs{}
	mock.respond = func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		w.Header().Set("apns-id", "id-"+strings.TrimPrefix(r.URL.Path, "/3/device/"))
	}
	p := newProvider(t, mock, apns.WithWorkers(workers))

	var in []*mdm.Push
	for i := range pushes {
		in = append(in, testPush(i))
	}
	got, err := p.Push(t.Context(), in)
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	if len(got) != pushes {
		t.Fatalf("got %d responses, want %d", len(got), pushes)
	}
	for _, pu := range in {
		token := hex.EncodeToString(pu.Token)
		if r := got[token]; r == nil || r.Err != nil || r.ID != "id-"+token {
			t.Errorf("token %s: got %+v, want ID id-%s", token, r, token)
		}
	}

	addrs := map[string]bool{}
	for _, req := range mock.recorded() {
		addrs[req.RemoteAddr] = true
	}
	if len(addrs) != 1 {
		t.Errorf("got %d connections, want 1", len(addrs))
	}
	if m := maxInFlight.Load(); m > workers || m < 2 {
		t.Errorf("got %d pushes in flight at most, want 2 to %d", m, workers)
	}
}

func TestPushInputs(t *testing.T) {
	tests := []struct {
		name      string
		pushes    []*mdm.Push
		wantErr   string
		wantSent  int
		wantCount int
	}{
		{name: "empty", pushes: nil, wantErr: "no push data provided"},
		{name: "nil entries skipped", pushes: []*mdm.Push{nil, testPush(1), nil}, wantSent: 1, wantCount: 1},
		{name: "repeated token pushed once", pushes: []*mdm.Push{testPush(1), testPush(1), testPush(2)}, wantSent: 2, wantCount: 2},
		{name: "only nil entries", pushes: []*mdm.Push{nil}, wantSent: 0, wantCount: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mock := &mockAPNs{}
			p := newProvider(t, mock)
			got, err := p.Push(t.Context(), tt.pushes)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Push: %v", err)
			}
			if len(got) != tt.wantCount {
				t.Errorf("got %d responses, want %d", len(got), tt.wantCount)
			}
			if n := len(mock.recorded()); n != tt.wantSent {
				t.Errorf("got %d requests, want %d", n, tt.wantSent)
			}
		})
	}
}

func TestPushErrorResponses(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		wantErr    string
		wantReason string
	}{
		{
			name:       "reason and timestamp",
			status:     http.StatusGone,
			body:       `{"reason":"Unregistered","timestamp":1700000000000}`,
			wantErr:    "push HTTP status: 410: APNs push error: Unregistered: timestamp 1700000000000",
			wantReason: "Unregistered",
		},
		{
			name:       "reason only",
			status:     http.StatusBadRequest,
			body:       `{"reason":"BadDeviceToken"}`,
			wantErr:    "push HTTP status: 400: APNs push error: BadDeviceToken",
			wantReason: "BadDeviceToken",
		},
		{
			name:    "empty object",
			status:  http.StatusForbidden,
			body:    `{}`,
			wantErr: "push HTTP status: 403: APNs push error",
		},
		{
			name:    "not JSON",
			status:  http.StatusInternalServerError,
			body:    "not json",
			wantErr: "push HTTP status: 500: decoding JSON push error: invalid character 'o' in literal null (expecting 'u')",
		},
		{
			name:    "empty body",
			status:  http.StatusServiceUnavailable,
			wantErr: "push HTTP status: 503: decoding JSON push error: EOF",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mock := &mockAPNs{respond: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("apns-id", "APNS-ID-1")
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}}
			p := newProvider(t, mock)
			got, err := p.Push(t.Context(), []*mdm.Push{testPush(1)})
			if err != nil {
				t.Fatalf("Push: %v", err)
			}
			resp := got["abcd01"]
			if resp == nil || resp.Err == nil {
				t.Fatalf("got response %+v, want an error", resp)
			}
			if resp.Err.Error() != tt.wantErr {
				t.Errorf("got error %q, want %q", resp.Err, tt.wantErr)
			}
			if resp.ID != "APNS-ID-1" {
				t.Errorf("got ID %q, want APNS-ID-1", resp.ID)
			}
			var statusErr *apns.StatusError
			if !errors.As(resp.Err, &statusErr) || statusErr.Status != tt.status {
				t.Errorf("got %#v, want a StatusError with status %d", resp.Err, tt.status)
			}
			var jsonErr *apns.JSONPushError
			if errors.As(resp.Err, &jsonErr) && jsonErr.Reason != tt.wantReason {
				t.Errorf("got reason %q, want %q", jsonErr.Reason, tt.wantReason)
			}
		})
	}
}

func TestPushMagicEncodedAsJSON(t *testing.T) {
	mock := &mockAPNs{}
	p := newProvider(t, mock)
	pu := testPush(1)
	pu.PushMagic = `a"b\c`
	if _, err := p.Push(t.Context(), []*mdm.Push{pu}); err != nil {
		t.Fatalf("Push: %v", err)
	}
	var body struct{ MDM string }
	if err := json.Unmarshal([]byte(mock.recorded()[0].Body), &body); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	if body.MDM != pu.PushMagic {
		t.Errorf("got mdm %q, want %q", body.MDM, pu.PushMagic)
	}
}

func TestPushExpirationHeader(t *testing.T) {
	mock := &mockAPNs{}
	now := time.Unix(1700000000, 0)
	p := newProvider(t, mock,
		apns.WithExpiration(time.Hour),
		apns.WithClock(func() time.Time { return now }))
	if _, err := p.Push(t.Context(), []*mdm.Push{testPush(1)}); err != nil {
		t.Fatalf("Push: %v", err)
	}
	if got, want := mock.recorded()[0].Header.Get("apns-expiration"), "1700003600"; got != want {
		t.Errorf("got apns-expiration %q, want %q", got, want)
	}
}

func TestPushTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	mock := &mockAPNs{respond: func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}}
	p := newProvider(t, mock, apns.WithTimeout(50*time.Millisecond))
	got, err := p.Push(t.Context(), []*mdm.Push{testPush(1)})
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	if resp := got["abcd01"]; resp == nil || !errors.Is(resp.Err, context.DeadlineExceeded) {
		t.Errorf("got response %+v, want a deadline exceeded error", resp)
	}
}

func TestNewProviderNilCert(t *testing.T) {
	_, err := apns.NewFactory().NewProvider(nil)
	if err == nil {
		t.Fatal("got no error, want one for a missing certificate")
	}
}

func TestWithHTTPClient(t *testing.T) {
	mock := &mockAPNs{}
	srv := apnstest.NewServer(t, mock)
	cert := apnstest.NewPushCert(t, testTopic, time.Now().Add(time.Hour))
	client := srv.Client()
	transport := client.Transport.(*http.Transport)
	transport.TLSClientConfig.Certificates = []tls.Certificate{cert.TLS}

	f := apns.NewFactory(apns.WithBaseURL(srv.URL+"/"), apns.WithHTTPClient(client))
	p, err := f.NewProvider(&cert.TLS)
	if err != nil {
		t.Fatalf("NewProvider: %v", err)
	}
	got, err := p.Push(t.Context(), []*mdm.Push{testPush(7)})
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	if r := got["abcd07"]; r == nil || r.Err != nil {
		t.Fatalf("got response %+v, want success", r)
	}
	if path := mock.recorded()[0].Path; path != "/3/device/abcd07" {
		t.Errorf("got path %q, want /3/device/abcd07", path)
	}
}
