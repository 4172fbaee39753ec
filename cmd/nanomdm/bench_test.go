package main

import (
	"net/http"
	"testing"
)

// BenchmarkCommandRoundTrip measures one full command exchange through
// the HTTP handlers: an API enqueue without a push, the device's Idle
// that receives the command and its Acknowledged. The device signs every
// request with ECDSA P-256, so client-side signing is part of the cost.
func BenchmarkCommandRoundTrip(b *testing.B) {
	for _, be := range []backend{{name: "inmem"}, {name: "filekv", dsn: "kv"}} {
		b.Run(be.name, func(b *testing.B) {
			h := newHarness(b, be, "-debug=false", "-webhook-url=")
			dev := h.enroll()
			path := "/v1/enqueue/" + dev.UDID + "?nopush=1"
			ctx := b.Context()

			for b.Loop() {
				uuid, raw := newCommand(b, "ProfileList")
				if status, body := h.do(http.MethodPut, path, raw, true); status != http.StatusOK {
					b.Fatalf("enqueue: got status %d: %s", status, body)
				}
				resp, err := dev.ReportIdle(ctx)
				h.wantCommand(resp, err, uuid)
				h.wantEmpty(dev.ReportAcknowledged(ctx, uuid, nil))
			}
		})
	}
}
