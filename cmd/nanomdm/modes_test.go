package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

func TestCertHeaderMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mode devicesim.CertMode
	}{
		{name: "RFC 9440", mode: devicesim.CertRFC9440},
		{name: "escaped PEM", mode: devicesim.CertEscapedPEM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, backend{name: "inmem"}, "-cert-header", "X-Client-Cert")
			dev := h.newDevice()
			dev.CertMode, dev.CertHeader = tt.mode, "X-Client-Cert"
			h.wantEmpty(dev.Authenticate(t.Context()))
			h.wantEmpty(dev.TokenUpdate(t.Context()))

			dev.CertMode = devicesim.CertSignature
			resp, err := dev.ReportIdle(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("signature in header mode: got status %d, want 400", resp.StatusCode)
			}
		})
	}
}

func TestDumpWritesRequestsAndCommands(t *testing.T) {
	t.Parallel()
	h := newHarness(t, backend{name: "inmem"}, "-dump")
	dev := h.enroll()
	uuid, raw := newCommand(t, "ProfileList")
	if status, body := h.do(http.MethodPut, "/v1/enqueue/"+dev.UDID+"?nopush=1", raw, true); status != http.StatusOK {
		t.Fatalf("enqueue: got status %d: %s", status, body)
	}
	resp, err := dev.ReportIdle(t.Context())
	h.wantCommand(resp, err, uuid)

	dump := h.dump.String()
	for _, want := range []string{"<string>Authenticate</string>", "<string>TokenUpdate</string>", "<string>Idle</string>", string(raw)} {
		if !strings.Contains(dump, want) {
			t.Errorf("dump does not contain %q", want)
		}
	}
}

func TestUserAuthenticate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		wantStatus int
		wantBody   string
	}{
		{name: "declined", wantStatus: http.StatusGone, wantBody: "Gone\n"},
		{name: "zero-length challenge", args: []string{"-ua-zl-dc"}, wantStatus: http.StatusOK, wantBody: "<key>DigestChallenge</key>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, backend{name: "inmem"}, tt.args...)
			dev := h.enroll()
			user, err := dev.UserChannel("USER-1", "jane", "Jane")
			if err != nil {
				t.Fatal(err)
			}
			resp, err := user.UserAuthenticate(t.Context(), "")
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("got status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if !strings.Contains(string(resp.Body), tt.wantBody) {
				t.Errorf("got body %q, want it to contain %q", resp.Body, tt.wantBody)
			}
			h.wantEmpty(user.UserAuthenticate(t.Context(), "digest"))
		})
	}
}

func TestDeclarativeManagement(t *testing.T) {
	t.Parallel()
	var gotPath, gotID string
	dm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotID = r.URL.Path, r.Header.Get("X-Enrollment-ID")
		if strings.HasSuffix(r.URL.Path, "/status") {
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte("dm upstream failure body"))
			return
		}
		w.Write([]byte(`{"SyncTokens":{}}`))
	}))
	t.Cleanup(dm.Close)
	h := newHarness(t, backend{name: "inmem"}, "-dm", dm.URL+"/dm/")
	dev := h.enroll()

	resp, err := dev.DeclarativeManagement(t.Context(), "tokens", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || string(resp.Body) != `{"SyncTokens":{}}` {
		t.Errorf("tokens: got status %d and body %q, want 200 with the upstream body", resp.StatusCode, resp.Body)
	}
	if gotPath != "/dm/tokens" || gotID != dev.UDID {
		t.Errorf("upstream got path %q and enrollment ID %q, want /dm/tokens and %s", gotPath, gotID, dev.UDID)
	}

	resp, err = dev.DeclarativeManagement(t.Context(), "status", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Internal Server Error\ndm upstream failure body"; resp.StatusCode != 500 || string(resp.Body) != want {
		t.Errorf("status: got status %d and body %q, want 500 and %q", resp.StatusCode, resp.Body, want)
	}

	resp, err = dev.DeclarativeManagement(t.Context(), "/outside", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("endpoint outside the base: got status %d, want 400", resp.StatusCode)
	}
}

func TestAuthProxyEndToEnd(t *testing.T) {
	t.Parallel()
	var got http.Header
	var gotBody []byte
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		gotBody, _ = io.ReadAll(r.Body)
		w.Write([]byte("proxied " + r.URL.Path))
	}))
	t.Cleanup(upstream.Close)
	h := newHarness(t, backend{name: "inmem"}, "-auth-proxy-url", upstream.URL+"/app/")
	dev := h.enroll()

	body := []byte("hello")
	resp, err := dev.Send(t.Context(), h.http.URL+"/authproxy/x/y", "text/plain", body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || string(resp.Body) != "proxied /app/x/y" {
		t.Fatalf("got status %d and body %q, want 200 from upstream path /app/x/y", resp.StatusCode, resp.Body)
	}
	if id := got.Get("X-Enrollment-ID"); id != dev.UDID {
		t.Errorf("got X-Enrollment-ID %q, want %q", id, dev.UDID)
	}
	if sig := got.Get("Mdm-Signature"); sig != "" {
		t.Errorf("got Mdm-Signature %q upstream, want it removed", sig)
	}
	if !bytes.Equal(gotBody, body) {
		t.Errorf("got upstream body %q, want %q", gotBody, body)
	}

	stranger := h.newDevice()
	resp, err = stranger.Send(t.Context(), h.http.URL+"/authproxy/x", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusBadRequest || string(resp.Body) != "Unauthorized\n" {
		t.Errorf("unenrolled device: got status %d and body %q, want 400 Unauthorized", resp.StatusCode, resp.Body)
	}
}
