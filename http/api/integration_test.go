package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/mdmforge/nanomdm/http/api"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/push/apns"
	"github.com/mdmforge/nanomdm/push/apns/apnstest"
	pushsvc "github.com/mdmforge/nanomdm/push/service"
)

// pushStore adds enrollment push details to fakeCertStore.
type pushStore struct {
	*fakeCertStore
	infos map[string]*mdm.Push
}

func (s *pushStore) RetrievePushInfo(_ context.Context, ids []string) (map[string]*mdm.Push, error) {
	out := map[string]*mdm.Push{}
	for _, id := range ids {
		if info, ok := s.infos[id]; ok {
			out[id] = info
		}
	}
	return out, nil
}

// apnsMock responds per device token the way APNs did in NanoMDM's
// observed runs, and records the certificate serial each push presented.
type apnsMock struct {
	mu      sync.Mutex
	serials []string
}

func (m *apnsMock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	m.serials = append(m.serials, r.TLS.PeerCertificates[0].SerialNumber.String())
	m.mu.Unlock()
	switch strings.TrimPrefix(r.URL.Path, "/3/device/") {
	case "0001":
		w.Header().Set("apns-id", "APNS-ID-0001")
	case "1101":
		w.Header().Set("apns-id", "APNS-ID-1101")
		w.WriteHeader(http.StatusGone)
		_, _ = io.WriteString(w, `{"reason":"Unregistered","timestamp":1700000000000}`)
	default:
		w.Header().Set("apns-id", "APNS-ID-ee01")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, "not json")
	}
}

func (m *apnsMock) lastSerial() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.serials[len(m.serials)-1]
}

// newAPIServer wires the API, the push service and the APNs provider to a
// mock APNs, behind Basic auth on a ServeMux, as the server binary does.
func newAPIServer(t *testing.T, mock *apnsMock) *httptest.Server {
	t.Helper()
	apnsSrv := apnstest.NewServer(t, mock)
	store := &pushStore{fakeCertStore: newFakeCertStore(), infos: map[string]*mdm.Push{
		"UDID-0001": {PushMagic: "M1", Token: []byte{0x00, 0x01}, Topic: testTopic},
		"UDID-11":   {PushMagic: "M2", Token: []byte{0x11, 0x01}, Topic: testTopic},
		"UDID-EE":   {PushMagic: "M3", Token: []byte{0xee, 0x01}, Topic: testTopic},
	}}
	factory := apns.NewFactory(apns.WithBaseURL(apnsSrv.URL), apns.WithRootCAs(apnstest.RootCAs(apnsSrv)))
	a := api.New(store, newFakeEnqueuer(), pushsvc.New(store, factory))

	mux := http.NewServeMux()
	mux.Handle("/v1/pushcert", api.BasicAuth("secret", a.PushCertHandler()))
	mux.Handle(api.PushPrefix, api.BasicAuth("secret", a.PushHandler(api.PushPrefix)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func call(t *testing.T, srv *httptest.Server, method, path string, body []byte, auth bool) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	if auth {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("nanomdm:secret")))
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(got)
}

func TestPushThroughAPNsMock(t *testing.T) {
	mock := &apnsMock{}
	srv := newAPIServer(t, mock)

	if status, _ := call(t, srv, http.MethodPost, "/v1/pushcert", nil, false); status != http.StatusUnauthorized {
		t.Errorf("unauthenticated POST: got status %d, want 401 before the method check", status)
	}

	first := apnstest.NewPushCert(t, testTopic, testNotAfter)
	if status, body := call(t, srv, http.MethodPut, "/v1/pushcert", concat(first.CertPEM, first.KeyPEM), true); status != http.StatusOK {
		t.Fatalf("upload: got status %d, want 200: %s", status, body)
	}

	status, body := call(t, srv, http.MethodPost, "/v1/push/UDID-0001,UDID-11,UDID-EE,UDID-NOPE", nil, true)
	want := partialPushBody
	if status != http.StatusMultiStatus || body != want {
		t.Errorf("push: got %d\n%s\nwant 207\n%s", status, body, want)
	}
	if got := mock.lastSerial(); got != first.Certificate.SerialNumber.String() {
		t.Errorf("got certificate serial %s, want the first upload's", got)
	}

	second := apnstest.NewPushCert(t, testTopic, testNotAfter)
	if status, body := call(t, srv, http.MethodPut, "/v1/pushcert", concat(second.KeyPEM, second.CertPEM), true); status != http.StatusOK {
		t.Fatalf("re-upload: got status %d, want 200: %s", status, body)
	}
	if status, body := call(t, srv, http.MethodGet, "/v1/push/UDID-0001", nil, true); status != http.StatusOK {
		t.Fatalf("push after re-upload: got status %d, want 200: %s", status, body)
	}
	if got := mock.lastSerial(); got != second.Certificate.SerialNumber.String() {
		t.Errorf("got certificate serial %s after re-upload, want the second upload's", got)
	}
}
