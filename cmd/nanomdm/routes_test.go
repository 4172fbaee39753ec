package main

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/log"
)

// testLogger returns a logger that writes to the test log.
func testLogger(t *testing.T) *slog.Logger {
	t.Helper()
	return log.New(t.Output(), true)
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, backend{name: "inmem"}, "-checkin", "-auth-proxy-url", "http://127.0.0.1:1/", "-migration")
	noRedirect := *h.http.Client()
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	tests := []struct {
		name         string
		method, path string
		wantStatus   int
		wantLocation string
		wantBody     string
	}{
		{name: "root", method: "GET", path: "/", wantStatus: 404, wantBody: "404 page not found\n"},
		{name: "mdm subpath", method: "PUT", path: "/mdm/", wantStatus: 404},
		{name: "version subpath", method: "GET", path: "/version/x", wantStatus: 404},
		{name: "pushcert subpath", method: "GET", path: "/v1/pushcert/", wantStatus: 404},
		{name: "version by POST", method: "POST", path: "/version", wantStatus: 200, wantBody: `{"version":"unknown"}`},
		{name: "push without slash", method: "GET", path: "/v1/push", wantStatus: 301, wantLocation: "/v1/push/"},
		{name: "enqueue keeps query", method: "PUT", path: "/v1/enqueue?nopush=1", wantStatus: 301, wantLocation: "/v1/enqueue/?nopush=1"},
		{name: "authproxy without slash", method: "GET", path: "/authproxy", wantStatus: 301, wantLocation: "/authproxy/"},
		{name: "unclean path", method: "GET", path: "/v1//push/X", wantStatus: 301, wantLocation: "/v1/push/X"},
		{name: "mdm any method", method: "DELETE", path: "/mdm", wantStatus: 400},
		{name: "checkin route", method: "GET", path: "/checkin", wantStatus: 400},
		{name: "authproxy needs identity", method: "GET", path: "/authproxy/x", wantStatus: 400},
		{name: "migration needs auth", method: "PUT", path: "/migration", wantStatus: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, h.http.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body bytes.Buffer
			_, _ = body.ReadFrom(resp.Body)

			if resp.StatusCode != tt.wantStatus {
				t.Errorf("got status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := resp.Header.Get("Location"); got != tt.wantLocation {
				t.Errorf("got Location %q, want %q", got, tt.wantLocation)
			}
			if tt.wantBody != "" && body.String() != tt.wantBody {
				t.Errorf("got body %q, want %q", body.String(), tt.wantBody)
			}
		})
	}
}

func TestRoutesDisabled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		path     string
		wantCode int
	}{
		{name: "no API without key", args: []string{"-api="}, path: "/v1/push/X", wantCode: 404},
		{name: "no migration without flag", path: "/migration", wantCode: 404},
		{name: "no checkin without flag", path: "/checkin", wantCode: 404},
		{name: "no authproxy without URL", path: "/authproxy/", wantCode: 404},
		{name: "no mdm when disabled", args: []string{"-disable-mdm"}, path: "/mdm", wantCode: 404},
		{name: "migration without mdm", args: []string{"-disable-mdm", "-migration"}, path: "/migration", wantCode: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, backend{name: "inmem"}, tt.args...)
			status, _ := h.do(http.MethodGet, tt.path, nil, false)
			if status != tt.wantCode {
				t.Errorf("got status %d, want %d", status, tt.wantCode)
			}
		})
	}
}

func TestMigrationRoute(t *testing.T) {
	t.Parallel()
	h := newHarness(t, backend{name: "inmem"}, "-migration", "-retro")
	dev := h.newDevice()
	auth, err := dev.AuthenticateMessage()
	if err != nil {
		t.Fatal(err)
	}
	tokenUpdate, err := dev.TokenUpdateMessage()
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range [][]byte{auth, tokenUpdate} {
		if status, resp := h.do(http.MethodPut, "/migration", body, true); status != http.StatusOK {
			t.Fatalf("migration: got status %d: %s", status, resp)
		}
	}
	if status, _ := h.do(http.MethodPut, "/migration", []byte("junk"), true); status != http.StatusBadRequest {
		t.Errorf("migration of junk: got status %d, want 400", status)
	}

	// The migrated device binds its certificate on first contact (-retro)
	// and gets commands queued for it.
	uuid, raw := newCommand(t, "ProfileList")
	if status, body := h.do(http.MethodPut, "/v1/enqueue/"+dev.UDID+"?nopush=1", raw, true); status != http.StatusOK {
		t.Fatalf("enqueue: got status %d: %s", status, body)
	}
	resp, err := dev.ReportIdle(t.Context())
	h.wantCommand(resp, err, uuid)
	if !strings.Contains(h.logs.String(), "handler=migration") {
		t.Error("no log line from the migration handler")
	}
}
