package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/mdm/devicesim"
	"github.com/mdmforge/nanomdm/push/apns"
	"github.com/mdmforge/nanomdm/push/apns/apnstest"
)

// TestPushEndsAtRequestTimeout checks that an API push to an APNs service
// that never answers ends at the request timeout, well before the 30
// seconds each push may take.
func TestPushEndsAtRequestTimeout(t *testing.T) {
	t.Parallel()
	hang := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	apnsServer := apnstest.NewServer(t, hang)

	ca, caPath := newTestCA(t, t.TempDir())
	argv := []string{"nanomdm", "-ca", caPath, "-api", testAPIKey,
		"-storage", "inmem", "-storage-dsn", "", "-apns-url", apnsServer.URL}
	cfg := &config{}
	if err := parseFlags(cfg, argv, envFrom(nil), io.Discard); err != nil {
		t.Fatal(err)
	}
	s, err := newServer(cfg, testLogger(t), dependencies{
		stdout:         io.Discard,
		apnsOptions:    []apns.Option{apns.WithRootCAs(apnstest.RootCAs(apnsServer))},
		requestTimeout: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.handler)
	t.Cleanup(srv.Close)

	id, err := ca.NewIdentity(devicesim.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := devicesim.NewDevice(id, srv.URL+"/mdm")
	if err != nil {
		t.Fatal(err)
	}
	if err := dev.Enroll(t.Context()); err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := devicesim.NewPushCert(dev.Topic)
	if err != nil {
		t.Fatal(err)
	}
	if status, body := apiRequest(t, http.MethodPut, srv.URL+"/v1/pushcert", append(certPEM, keyPEM...)); status != http.StatusOK {
		t.Fatalf("uploading push cert: got status %d: %s", status, body)
	}

	start := time.Now()
	status, body := apiRequest(t, http.MethodGet, srv.URL+"/v1/push/"+dev.UDID, nil)
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("got push response after %v, want it soon after the 300ms request timeout", elapsed)
	}
	if status != http.StatusInternalServerError {
		t.Errorf("got status %d, want %d", status, http.StatusInternalServerError)
	}
	if !strings.Contains(body, "deadline exceeded") {
		t.Errorf("got body %s, want a push_error naming the deadline", body)
	}
}

// newTestCA returns a new device CA and the path of its certificate,
// written as ca.pem in dir.
func newTestCA(t *testing.T, dir string) (*devicesim.CA, string) {
	t.Helper()
	ca, err := devicesim.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	caPath := filepath.Join(dir, "ca.pem")
	writeFile(t, caPath, ca.PEM())
	return ca, caPath
}

// apiRequest sends a request with the test API key and returns the
// status and body.
func apiRequest(t *testing.T, method, url string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("nanomdm", testAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
