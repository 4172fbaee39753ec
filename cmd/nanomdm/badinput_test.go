package main

import (
	"bytes"
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
