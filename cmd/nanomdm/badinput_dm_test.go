package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

// testDMTimeout is the DM client timeout of the harness servers here,
// short so that a hanging DM server fails the check-in quickly.
const testDMTimeout = 500 * time.Millisecond

// badDMServer is a Declarative Management server that misbehaves in the
// way each endpoint names. Every response is signed with key, except at
// the endpoints that test signatures.
type badDMServer struct {
	key     []byte
	release chan struct{} // closed to end hanging requests
}

func (s *badDMServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body := []byte(`{"SyncTokens":{}}`)
	switch strings.TrimPrefix(r.URL.Path, "/dm/") {
	case "hang":
		select {
		case <-r.Context().Done():
		case <-s.release:
		}
		return
	case "junk":
		body = []byte("<html>bad gateway</html>")
		w.Header().Set("X-Hmac-Signature", sign(s.key, body))
		w.WriteHeader(http.StatusBadGateway)
	case "cut":
		s.cut(w)
		return
	case "wrong-signature":
		w.Header().Set("X-Hmac-Signature", sign([]byte("another key"), body))
	case "no-signature":
	default:
		w.Header().Set("X-Hmac-Signature", sign(s.key, body))
	}
	_, _ = w.Write(body)
}

// cut promises a 100-byte body, sends 7 bytes and closes the connection.
func (s *badDMServer) cut(w http.ResponseWriter) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
	_ = buf.Flush()
}

// sign returns the X-Hmac-Signature value of body under key.
func sign(key, body []byte) string {
	h := hmac.New(sha256.New, key)
	h.Write(body)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// newDMHarness starts a DM server and an inmem server forwarding to it
// with a [testDMTimeout] client and the extra args.
func newDMHarness(t *testing.T, key []byte, args ...string) *harness {
	t.Helper()
	dm := &badDMServer{key: key, release: make(chan struct{})}
	dmServer := httptest.NewServer(dm)
	t.Cleanup(dmServer.Close)
	t.Cleanup(func() { close(dm.release) })

	ca, err := devicesim.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: testDMTimeout}
	args = append([]string{"-dm", dmServer.URL + "/dm/"}, args...)
	return newHarnessClient(t, backend{name: "inmem"}, ca, client, args...)
}

// dmCase is one Declarative Management check-in and what the device and
// the log must show for it.
type dmCase struct {
	name     string
	endpoint string
	wantBody string
	wantLog  []string
}

// runDMCases sends each case from one enrolled device, then checks that the
// device still gets a DM response from a working endpoint, so the server
// keeps serving after each failure.
func runDMCases(t *testing.T, h *harness, tests []dmCase) {
	dev := h.enroll()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.t = t
			logStart := h.logs.Len()
			start := time.Now()
			resp, err := dev.DeclarativeManagement(t.Context(), tt.endpoint, nil)
			if err != nil {
				t.Fatal(err)
			}
			if elapsed := time.Since(start); elapsed > testDMTimeout+5*time.Second {
				t.Errorf("check-in took %v, want it to end soon after the %v DM timeout", elapsed, testDMTimeout)
			}
			if resp.StatusCode != http.StatusInternalServerError {
				t.Errorf("got status %d, want 500", resp.StatusCode)
			}
			if string(resp.Body) != tt.wantBody {
				t.Errorf("got body %q, want %q", resp.Body, tt.wantBody)
			}
			logs := h.logs.String()[logStart:]
			for _, want := range tt.wantLog {
				if !strings.Contains(logs, want) {
					t.Errorf("log does not contain %q:\n%s", want, logs)
				}
			}

			resp, err = dev.DeclarativeManagement(t.Context(), "tokens", nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK || string(resp.Body) != `{"SyncTokens":{}}` {
				t.Errorf("next check-in: got status %d and body %q, want 200 with the DM response",
					resp.StatusCode, resp.Body)
			}
		})
	}
}

func TestBadDMServer(t *testing.T) {
	t.Parallel()
	h := newDMHarness(t, nil)
	runDMCases(t, h, []dmCase{
		{
			name:     "hangs",
			endpoint: "hang",
			wantBody: "Internal Server Error\n",
			wantLog: []string{
				`endpoint=hang`, `/dm/hang`, `Client.Timeout exceeded`, `http_status=500`,
			},
		},
		{
			// As in NanoMDM, the DM server's body follows the error text.
			name:     "answers 502 with junk",
			endpoint: "junk",
			wantBody: "Internal Server Error\n<html>bad gateway</html>",
			wantLog:  []string{`endpoint=junk`, `DM hook HTTP status: 502`, `http_status=500`},
		},
		{
			name:     "closes mid-response",
			endpoint: "cut",
			wantBody: "Internal Server Error\n",
			wantLog:  []string{`endpoint=cut`, `reading DM response`, `unexpected EOF`, `http_status=500`},
		},
	})
}

func TestBadDMSignature(t *testing.T) {
	t.Parallel()
	key := []byte("dm-recv-key")
	h := newDMHarness(t, key, "-dm-recv-hmac-key", string(key))
	runDMCases(t, h, []dmCase{
		{
			name:     "wrong X-Hmac-Signature",
			endpoint: "wrong-signature",
			wantBody: "Internal Server Error\n",
			wantLog:  []string{`endpoint=wrong-signature`, `invalid body hash header`, `http_status=500`},
		},
		{
			name:     "missing X-Hmac-Signature",
			endpoint: "no-signature",
			wantBody: "Internal Server Error\n",
			wantLog:  []string{`endpoint=no-signature`, `invalid body hash header`, `http_status=500`},
		},
	})
}
