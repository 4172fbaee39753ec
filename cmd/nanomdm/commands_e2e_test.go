package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/mdmforge/nanomdm/mdm/commandgen"
	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

// TestEveryCommandSchemaRoundTrip builds a command for every RequestType
// in Apple's schemas, queues it through the API for an enrolled device and
// checks that the device is sent exactly the queued bytes, on every
// backend the harness can reach.
func TestEveryCommandSchemaRoundTrip(t *testing.T) {
	g, err := commandgen.New()
	if err != nil {
		t.Fatalf("loading command schemas: %v", err)
	}
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, b)
			dev := h.enroll()
			for _, requestType := range g.RequestTypes() {
				t.Run(requestType, func(t *testing.T) {
					raw, err := g.Build(requestType)
					if err != nil {
						t.Fatalf("building %s: %v", requestType, err)
					}
					h.roundTripCommand(t, dev, requestType, raw)
				})
			}
		})
	}
}

// roundTripCommand queues raw for dev without a push, then polls as dev
// and acknowledges the command it is sent.
func (h *harness) roundTripCommand(t *testing.T, dev *devicesim.Device, requestType string, raw []byte) {
	status, body := h.do(http.MethodPut, "/v1/enqueue/"+dev.UDID+"?nopush=1", raw, true)
	if status != http.StatusOK {
		t.Fatalf("enqueue: got status %d: %s", status, body)
	}
	var result struct {
		CommandUUID string `json:"command_uuid"`
		RequestType string `json:"request_type"`
	}
	if err := json.Unmarshal([]byte(body), &result); err != nil {
		t.Fatalf("decoding enqueue result %s: %v", body, err)
	}
	if result.RequestType != requestType {
		t.Errorf("got request_type %q, want %q", result.RequestType, requestType)
	}

	resp, err := dev.ReportIdle(t.Context())
	h.wantCommand(resp, err, result.CommandUUID)
	if !bytes.Equal(resp.Body, raw) {
		t.Errorf("got command bytes\n%s\nwant them exactly as queued\n%s", resp.Body, raw)
	}
	h.wantEmpty(dev.ReportAcknowledged(t.Context(), result.CommandUUID, nil))
}
