package main

import (
	"bytes"
	"crypto/x509"
	"net/http"

	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

// badInputs are the rejected requests of [TestBadInputs], each with the
// status and a log line it must produce.
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
