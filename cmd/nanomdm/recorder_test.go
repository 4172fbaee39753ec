package main

import (
	"bytes"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"
)

// recorded is one request a recorder got.
type recorded struct {
	Path   string
	Header http.Header
	Body   []byte
	// ClientCert is the TLS client certificate, or nil without one.
	ClientCert *x509.Certificate
}

// recorder is an HTTP handler that keeps every request and responds with
// an empty 200 after calling respond, when set.
type recorder struct {
	respond func(http.ResponseWriter, *http.Request)

	mu       sync.Mutex
	requests []recorded
}

func newRecorder(respond func(http.ResponseWriter, *http.Request)) *recorder {
	return &recorder{respond: respond}
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	got := recorded{Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		got.ClientCert = r.TLS.PeerCertificates[0]
	}
	rec.mu.Lock()
	rec.requests = append(rec.requests, got)
	rec.mu.Unlock()
	if rec.respond != nil {
		rec.respond(w, r)
	}
}

// waitFor returns the recorded requests once match accepts n of them,
// failing after five seconds. Webhooks are sent in the background, so
// tests wait for them.
func (rec *recorder) waitFor(t *testing.T, n int, match func(recorded) bool) []recorded {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var got []recorded
		rec.mu.Lock()
		for _, r := range rec.requests {
			if match(r) {
				got = append(got, r)
			}
		}
		rec.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d matching requests after 5s, want %d", len(got), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes and reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Len returns the number of bytes written so far.
func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

// newLoopbackServer serves h on 127.0.0.1 until the test ends and returns
// its URL.
func newLoopbackServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// writeFile writes b to path or fails the test.
func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
