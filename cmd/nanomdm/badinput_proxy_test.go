package main

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

// testCertHeader is the -cert-header of the harness servers here.
const testCertHeader = "X-Client-Cert"

// sendCertHeader PUTs body as a check-in with value in [testCertHeader].
func sendCertHeader(h *harness, value string, body []byte) int {
	h.t.Helper()
	req, err := http.NewRequestWithContext(h.t.Context(), http.MethodPut, h.http.URL+"/mdm", bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", devicesim.ContentTypeCheckin)
	req.Header.Set(testCertHeader, value)
	resp, err := h.http.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestMalformedCertHeader(t *testing.T) {
	t.Parallel()
	h := newHarness(t, backend{name: "inmem"}, "-cert-header", testCertHeader)
	dev := h.newDevice()
	rfc9440 := dev.Identity.RFC9440Header()
	badPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not DER")})
	tests := []struct {
		name    string
		value   string
		wantLog string
	}{
		{name: "RFC 9440 without closing colon", value: strings.TrimSuffix(rfc9440, ":"), wantLog: `does not end with ':'`},
		{name: "RFC 9440 too short", value: ":", wantLog: `RFC 9440 header value \":\" is shorter than 3 characters`},
		{name: "RFC 9440 bad base64", value: ":not*base64:", wantLog: "decoding RFC 9440 header base64"},
		{
			name:    "RFC 9440 not a certificate",
			value:   ":" + base64.StdEncoding.EncodeToString([]byte("not DER")) + ":",
			wantLog: "parsing RFC 9440 header certificate",
		},
		{name: "bad URL escape", value: "%zz", wantLog: "unescaping certificate header"},
		{name: "escaped text without PEM", value: "%28null%29", wantLog: "decoding certificate header PEM"},
		{
			name:    "escaped PEM not a certificate",
			value:   url.QueryEscape(string(badPEM)),
			wantLog: "decoding certificate header PEM",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.t = t
			logStart := h.logs.Len()
			body, err := dev.AuthenticateMessage()
			if err != nil {
				t.Fatal(err)
			}
			if status := sendCertHeader(h, tt.value, body); status != http.StatusBadRequest {
				t.Errorf("got status %d, want 400", status)
			}
			logs := h.logs.String()[logStart:]
			value := tt.value
			if len(value) > 64 {
				value = value[:64] + "..."
			}
			for _, want := range []string{
				`level=warn msg="cert extract" handler=cert-extract`,
				"header=" + testCertHeader + " header_value=" + logQuote(value),
				tt.wantLog,
				`msg="error verifying MDM certificate" handler=cert-verify`,
				`http_status=400 err="missing MDM certificate"`,
			} {
				if !strings.Contains(logs, want) {
					t.Errorf("log does not contain %q:\n%s", want, logs)
				}
			}
		})
	}

	// The server still enrolls a device that presents a good header.
	h.t = t
	dev.CertMode, dev.CertHeader = devicesim.CertRFC9440, testCertHeader
	h.wantEmpty(dev.Authenticate(t.Context()))
}

// logQuote returns s as the text log handler writes a value: quoted when
// it has spaces, quotes, equals signs or other special characters.
func logQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \"=\\") && strconv.Quote(s) == `"`+s+`"` {
		return s
	}
	return strconv.Quote(s)
}

// migrationCount returns how many check-ins the server's storage would
// hand to a migration.
func migrationCount(h *harness) int {
	h.t.Helper()
	out := make(chan any)
	done := make(chan error, 1)
	go func() {
		done <- h.server.store.RetrieveMigrationCheckins(h.t.Context(), out)
		close(out)
	}()
	n := 0
	for range out {
		n++
	}
	if err := <-done; err != nil {
		h.t.Fatalf("retrieving migration check-ins: %v", err)
	}
	return n
}

func TestMigrationRejectsNonCheckins(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			// The cases count every stored check-in, so on a SQL backend
			// they need a database no other test writes to.
			args := []string{"-migration"}
			if b.name == "pgsql" || b.name == "mysql" {
				b.dsn = newScratchDB(t, b, "nanomdm_migration").dsn(t, "")
				args = append(args, "-storage-options", "create_schema=1")
			}
			h := newHarness(t, b, args...)
			f := &badInputFixture{dev: h.enroll()}
			uuid, raw := newCommand(t, "ProfileList")
			if status, body := h.do(http.MethodPut, "/v1/enqueue/"+f.dev.UDID+"?nopush=1", raw, true); status != 200 {
				t.Fatalf("enqueue: got status %d: %s", status, body)
			}
			f.queued = uuid
			runMigrationCases(t, h, f)
		})
	}
}

func runMigrationCases(t *testing.T, h *harness, f *badInputFixture) {
	report, err := f.dev.ReportMessage(mdm.StatusAcknowledged, f.queued, nil)
	if err != nil {
		t.Fatal(err)
	}
	otherDevice := bytes.ReplaceAll(report, []byte(f.dev.UDID), []byte("NEW-DEVICE"))
	tests := []struct {
		name    string
		body    []byte
		wantLog string
	}{
		{name: "command report", body: report, wantLog: `unrecognized MessageType: \"\"`},
		{name: "report of unknown device", body: otherDevice, wantLog: `unrecognized MessageType: \"\"`},
		{name: "command", body: commandPlist("ProfileList", "MIGRATED-CMD"), wantLog: `unrecognized MessageType: \"\"`},
		{
			name:    "array root",
			body:    []byte(`<?xml version="1.0"?><plist version="1.0"><array><string>x</string></array></plist>`),
			wantLog: "parse error",
		},
		{name: "JSON", body: []byte(`{"MessageType":"Authenticate"}`), wantLog: "parse error"},
	}
	before := migrationCount(h)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.t = t
			logStart := h.logs.Len()
			status, _ := h.do(http.MethodPut, "/migration", tt.body, true)
			if status != http.StatusBadRequest {
				t.Errorf("got status %d, want 400", status)
			}
			logs := h.logs.String()[logStart:]
			// The body is logged quoted; its start is enough to find it.
			wantContent := strconv.Quote(string(tt.body))[:20]
			for _, want := range []string{
				`level=warn msg="check-in request" handler=migration`,
				`http_status=400`,
				tt.wantLog,
				`level=debug msg="check-in request" handler=migration`,
				"content=" + wantContent,
			} {
				if !strings.Contains(logs, want) {
					t.Errorf("log does not contain %q:\n%s", want, logs)
				}
			}
			if got := migrationCount(h); got != before {
				t.Errorf("got %d stored check-ins, want %d as before", got, before)
			}
			h.wantQueued(f)
		})
	}
}
