package main

import (
	"bytes"
	"crypto/x509"
	"net/http"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

// badInput is one request the server must reject without changing what
// it stores.
type badInput struct {
	name       string
	send       func(h *harness, f *badInputFixture) (int, string)
	wantStatus int
	wantLog    string
}

// badInputFixture is an enrolled device with one queued command, which
// every bad input must leave in place.
type badInputFixture struct {
	dev    *devicesim.Device
	queued string
}

// sendRaw PUTs body to path with the check-in Content-Type and, when set,
// the Mdm-Signature header.
func sendRaw(h *harness, path, contentType string, body []byte, signature string) (int, string) {
	h.t.Helper()
	req, err := http.NewRequestWithContext(h.t.Context(), http.MethodPut, h.http.URL+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if signature != "" {
		req.Header.Set("Mdm-Signature", signature)
	}
	resp, err := h.http.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// signed sends body signed by the fixture device's identity.
func signed(h *harness, f *badInputFixture, contentType string, body []byte) (int, string) {
	sig, err := f.dev.Identity.Sign(body)
	if err != nil {
		h.t.Fatal(err)
	}
	return sendRaw(h, "/mdm", contentType, body, sig)
}

// fromDevice returns a function that turns the result of a devicesim
// call into a status and body.
func fromDevice(h *harness) func(*devicesim.Response, error) (int, string) {
	return func(resp *devicesim.Response, err error) (int, string) {
		if err != nil {
			h.t.Fatal(err)
		}
		return resp.StatusCode, string(resp.Body)
	}
}

func idleOf(h *harness, f *badInputFixture) []byte {
	b, err := f.dev.ReportMessage(mdm.StatusIdle, "", nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

var badInputs = []badInput{
	{
		name: "no Mdm-Signature", wantStatus: 400, wantLog: "missing MDM certificate",
		send: func(h *harness, f *badInputFixture) (int, string) {
			return sendRaw(h, "/mdm", "", idleOf(h, f), "")
		},
	},
	{
		name: "undecodable Mdm-Signature", wantStatus: 400, wantLog: "verifying Mdm-Signature header",
		send: func(h *harness, f *badInputFixture) (int, string) {
			return sendRaw(h, "/mdm", "", idleOf(h, f), "not base64!")
		},
	},
	{
		name: "signature over other body", wantStatus: 400, wantLog: "verifying Mdm-Signature header",
		send: func(h *harness, f *badInputFixture) (int, string) {
			sig, err := f.dev.Identity.Sign([]byte("something else"))
			if err != nil {
				h.t.Fatal(err)
			}
			return sendRaw(h, "/mdm", "", idleOf(h, f), sig)
		},
	},
	{
		name: "certificate from other CA", wantStatus: 400, wantLog: "error verifying MDM certificate",
		send: func(h *harness, f *badInputFixture) (int, string) {
			other, err := devicesim.NewSelfSignedIdentity(devicesim.ECDSAP256)
			if err != nil {
				h.t.Fatal(err)
			}
			d := h.deviceWith(other)
			d.Channel.Enrollment = f.dev.Channel.Enrollment
			return fromDevice(h)(d.ReportIdle(h.t.Context()))
		},
	},
	{
		name: "expired certificate", wantStatus: 400,
		send: func(h *harness, f *badInputFixture) (int, string) {
			d := h.newDevice(devicesim.Expired())
			d.Channel.Enrollment = f.dev.Channel.Enrollment
			return fromDevice(h)(d.ReportIdle(h.t.Context()))
		},
	},
	{
		name: "server-only key usage", wantStatus: 400, wantLog: "incompatible key usage",
		send: func(h *harness, f *badInputFixture) (int, string) {
			d := h.newDevice(devicesim.WithExtKeyUsage(x509.ExtKeyUsageServerAuth))
			d.Channel.Enrollment = f.dev.Channel.Enrollment
			return fromDevice(h)(d.ReportIdle(h.t.Context()))
		},
	},
	{
		name: "certificate of another enrollment", wantStatus: 500, wantLog: "cert",
		send: func(h *harness, f *badInputFixture) (int, string) {
			other := h.enroll()
			other.Channel.Enrollment = f.dev.Channel.Enrollment
			return fromDevice(h)(other.ReportIdle(h.t.Context()))
		},
	},
	{
		name: "Authenticate with a bound certificate", wantStatus: 500, wantLog: "cert re-use not permitted",
		send: func(h *harness, f *badInputFixture) (int, string) {
			d := h.deviceWith(f.dev.Identity)
			return fromDevice(h)(d.Authenticate(h.t.Context()))
		},
	},
	{
		name: "malformed plist", wantStatus: 400, wantLog: "content=",
		send: func(h *harness, f *badInputFixture) (int, string) {
			return signed(h, f, devicesim.ContentTypeCheckin, []byte("<plist><dict><key>MessageType</key>"))
		},
	},
	{
		name: "empty body", wantStatus: 400, wantLog: "empty body",
		send: func(h *harness, f *badInputFixture) (int, string) {
			return signed(h, f, devicesim.ContentTypeCheckin, nil)
		},
	},
	{
		name: "unknown MessageType", wantStatus: 400, wantLog: "unrecognized MessageType",
		send: func(h *harness, f *badInputFixture) (int, string) {
			b, err := f.dev.CheckinMessage("Bogus", nil)
			if err != nil {
				h.t.Fatal(err)
			}
			return signed(h, f, devicesim.ContentTypeCheckin, b)
		},
	},
	{
		name: "check-in without identifiers", wantStatus: 500, wantLog: "http_status=500",
		send: func(h *harness, f *badInputFixture) (int, string) {
			body := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>MessageType</key><string>TokenUpdate</string></dict></plist>`)
			return signed(h, f, devicesim.ContentTypeCheckin, body)
		},
	},
	{
		name: "report without Status", wantStatus: 400, wantLog: "invalid command result",
		send: func(h *harness, f *badInputFixture) (int, string) {
			b, err := f.dev.CheckinMessage("TokenUpdate", nil)
			if err != nil {
				h.t.Fatal(err)
			}
			return signed(h, f, "", b)
		},
	},
	{
		name: "report for unknown CommandUUID", wantStatus: 200, wantLog: "not queued",
		send: func(h *harness, f *badInputFixture) (int, string) {
			return fromDevice(h)(f.dev.ReportAcknowledged(h.t.Context(), "NO-SUCH-COMMAND", nil))
		},
	},
	{
		name: "missing API key", wantStatus: 401, wantLog: "path=/v1/enqueue/",
		send: func(h *harness, f *badInputFixture) (int, string) {
			_, raw := newCommand(h.t, "ProfileList")
			return h.do(http.MethodPut, "/v1/enqueue/"+f.dev.UDID, raw, false)
		},
	},
	{
		name: "wrong API key", wantStatus: 401, wantLog: "path=/v1/push/",
		send: func(h *harness, f *badInputFixture) (int, string) {
			req, err := http.NewRequestWithContext(h.t.Context(), http.MethodGet, h.http.URL+"/v1/push/"+f.dev.UDID, nil)
			if err != nil {
				h.t.Fatal(err)
			}
			req.SetBasicAuth("nanomdm", "wrong")
			resp, err := h.http.Client().Do(req)
			if err != nil {
				h.t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode, ""
		},
	},
	{
		name: "wrong method", wantStatus: 405, wantLog: "method=POST",
		send: func(h *harness, f *badInputFixture) (int, string) {
			return h.do(http.MethodPost, "/v1/pushcert", nil, true)
		},
	},
	{
		name: "enqueue body not a plist", wantStatus: 400, wantLog: "decoding command",
		send: func(h *harness, f *badInputFixture) (int, string) {
			return h.do(http.MethodPut, "/v1/enqueue/"+f.dev.UDID, []byte("not a plist"), true)
		},
	},
	{
		name: "enqueue plist not a command", wantStatus: 400, wantLog: "invalid command",
		send: func(h *harness, f *badInputFixture) (int, string) {
			body := []byte(`<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict/></plist>`)
			return h.do(http.MethodPut, "/v1/enqueue/"+f.dev.UDID+"?nopush=1", body, true)
		},
	},
	{
		name: "bad push cert", wantStatus: 400, wantLog: "PEM",
		send: func(h *harness, f *badInputFixture) (int, string) {
			return h.do(http.MethodPut, "/v1/pushcert", []byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"), true)
		},
	},
	{
		name: "device body over limit", wantStatus: 413, wantLog: "http_status=413",
		send: func(h *harness, f *badInputFixture) (int, string) {
			body := bytes.Repeat([]byte("x"), badInputBodyLimit+1)
			return signed(h, f, devicesim.ContentTypeCheckin, body)
		},
	},
	{
		name: "enqueue body over limit", wantStatus: 413,
		send: func(h *harness, f *badInputFixture) (int, string) {
			body := bytes.Repeat([]byte("x"), badInputBodyLimit+1)
			return h.do(http.MethodPut, "/v1/enqueue/"+f.dev.UDID, body, true)
		},
	},
}

// badInputBodyLimit is the -max-body-bytes of the bad input server.
const badInputBodyLimit = 64 << 10

func TestBadInputs(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, b, "-max-body-bytes", "65536")
			f := &badInputFixture{dev: h.enroll()}
			uuid, raw := newCommand(t, "ProfileList")
			if status, body := h.do(http.MethodPut, "/v1/enqueue/"+f.dev.UDID+"?nopush=1", raw, true); status != 200 {
				t.Fatalf("enqueue: got status %d: %s", status, body)
			}
			f.queued = uuid

			for _, tt := range badInputs {
				t.Run(tt.name, func(t *testing.T) {
					h.t = t
					logStart := h.logs.Len()
					status, _ := tt.send(h, f)
					if status != tt.wantStatus {
						t.Errorf("got status %d, want %d", status, tt.wantStatus)
					}
					if logs := h.logs.String()[logStart:]; !strings.Contains(logs, tt.wantLog) {
						t.Errorf("log does not contain %q:\n%s", tt.wantLog, logs)
					}
					h.wantQueued(f)
				})
			}
		})
	}
}

// wantQueued checks, through storage, that the fixture device is still
// enrolled with its command pending.
func (h *harness) wantQueued(f *badInputFixture) {
	h.t.Helper()
	r := mdm.NewRequest(h.t.Context(), nil)
	r.EnrollID = f.dev.Channel.Enrollment.Resolve()
	cmd, err := h.server.store.RetrieveNextCommand(r, false)
	if err != nil {
		h.t.Fatalf("retrieving next command: %v", err)
	}
	if cmd == nil || cmd.CommandUUID != f.queued {
		h.t.Errorf("got next command %v, want %s still queued", cmd, f.queued)
	}
	push, err := h.server.store.RetrievePushInfo(h.t.Context(), []string{f.dev.UDID})
	if err != nil {
		h.t.Fatalf("retrieving push info: %v", err)
	}
	if p := push[f.dev.UDID]; p == nil || p.PushMagic != f.dev.PushMagic {
		h.t.Errorf("got push info %+v, want the enrolled device's", p)
	}
}
