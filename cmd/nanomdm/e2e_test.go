package main

import (
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestEndToEnd(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, b)
			t.Run("commands in order", h.testCommandsInOrder)
			t.Run("push reaches APNs", h.testPush)
			t.Run("webhook events", h.testWebhook)
		})
	}
}

// testCommandsInOrder queues commands for one and several devices and
// checks each device gets them in enqueue order, with NotNow retried on
// the next poll.
func (h *harness) testCommandsInOrder(t *testing.T) {
	ctx := t.Context()
	dev1, dev2 := h.enroll(), h.enroll()
	uuid1, cmd1 := newCommand(t, "ProfileList")
	uuid2, cmd2 := newCommand(t, "DeviceInformation")
	uuid3, cmd3 := newCommand(t, "SecurityInfo")

	for _, enqueue := range []struct {
		path string
		raw  []byte
	}{
		{"/v1/enqueue/" + dev1.UDID + "," + dev2.UDID + "?nopush=1", cmd1},
		{"/v1/enqueue/" + dev1.UDID + "?nopush=1", cmd2},
		{"/v1/enqueue/" + dev1.UDID + "?nopush=1", cmd3},
	} {
		if status, body := h.do(http.MethodPut, enqueue.path, enqueue.raw, true); status != http.StatusOK {
			t.Fatalf("enqueue %s: got status %d: %s", enqueue.path, status, body)
		}
	}

	resp, err := dev1.ReportIdle(ctx)
	h.wantCommand(resp, err, uuid1)
	if got := string(resp.Body); got != string(cmd1) {
		t.Errorf("got command bytes %q, want them exactly as queued %q", got, cmd1)
	}
	if got := resp.Header.Get("Content-Type"); got != "text/xml; charset=utf-8" {
		t.Errorf("got Content-Type %q, want the sniffed text/xml; charset=utf-8", got)
	}
	resp, err = dev1.ReportAcknowledged(ctx, uuid1, nil)
	h.wantCommand(resp, err, uuid2)

	// NotNow skips the command until the next report that is not NotNow.
	resp, err = dev1.ReportNotNow(ctx, uuid2)
	h.wantCommand(resp, err, uuid3)
	resp, err = dev1.ReportError(ctx, uuid3, nil)
	h.wantCommand(resp, err, uuid2)
	h.wantEmpty(dev1.ReportAcknowledged(ctx, uuid2, nil))
	h.wantEmpty(dev1.ReportIdle(ctx))

	resp, err = dev2.ReportIdle(ctx)
	h.wantCommand(resp, err, uuid1)
	h.wantEmpty(dev2.ReportAcknowledged(ctx, uuid1, nil))
}

// testPush enqueues with a push to two devices of one topic and checks
// what the APNs mock got.
func (h *harness) testPush(t *testing.T) {
	dev1, dev2 := h.newDevice(), h.newDevice()
	dev2.Topic = dev1.Topic
	h.wantEmpty(dev1.Authenticate(t.Context()))
	h.wantEmpty(dev1.TokenUpdate(t.Context()))
	h.wantEmpty(dev2.Authenticate(t.Context()))
	h.wantEmpty(dev2.TokenUpdate(t.Context()))
	h.uploadPushCert(dev1.Topic)

	uuid, raw := newCommand(t, "ProfileList")
	status, body := h.do(http.MethodPost, "/v1/enqueue/"+dev1.UDID+","+dev2.UDID, raw, true)
	if status != http.StatusOK {
		t.Fatalf("got status %d: %s", status, body)
	}
	var result struct {
		Status map[string]struct {
			PushResult string `json:"push_result"`
			PushError  string `json:"push_error"`
		} `json:"status"`
		CommandUUID string `json:"command_uuid"`
	}
	if err := json.Unmarshal([]byte(body), &result); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
	if result.CommandUUID != uuid {
		t.Errorf("got command_uuid %q, want %q", result.CommandUUID, uuid)
	}

	for _, d := range []struct {
		udid, token, magic string
	}{
		{dev1.UDID, hex.EncodeToString(dev1.Token), dev1.PushMagic},
		{dev2.UDID, hex.EncodeToString(dev2.Token), dev2.PushMagic},
	} {
		if got, want := result.Status[d.udid].PushResult, "APNS-"+d.token; got != want {
			t.Errorf("%s: got push_result %q, want %q", d.udid, got, want)
		}
		path := "/3/device/" + d.token
		got := h.apns.waitFor(t, 1, func(r recorded) bool { return r.Path == path })[0]
		if ct := got.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: got Content-Type %q, want application/json", d.udid, ct)
		}
		if topic := got.Header.Get("apns-topic"); topic != "" {
			t.Errorf("%s: got apns-topic %q, want none", d.udid, topic)
		}
		if want := `{"mdm":"` + d.magic + `"}`; string(got.Body) != want {
			t.Errorf("%s: got body %s, want %s", d.udid, got.Body, want)
		}
	}
}

// testWebhook checks that check-ins and command results reach the webhook
// receiver.
func (h *harness) testWebhook(t *testing.T) {
	ctx := t.Context()
	dev := h.enroll()
	uuid, raw := newCommand(t, "ProfileList")
	if status, body := h.do(http.MethodPut, "/v1/enqueue/"+dev.UDID+"?nopush=1", raw, true); status != http.StatusOK {
		t.Fatalf("enqueue: got status %d: %s", status, body)
	}
	resp, err := dev.ReportIdle(ctx)
	h.wantCommand(resp, err, uuid)
	h.wantEmpty(dev.ReportAcknowledged(ctx, uuid, map[string]any{"ProfileList": []any{}}))

	type event struct {
		Topic        string `json:"topic"`
		EventID      string `json:"event_id"`
		CheckinEvent *struct {
			UDID string `json:"udid"`
		} `json:"checkin_event"`
		AcknowledgeEvent *struct {
			UDID        string `json:"udid"`
			Status      string `json:"status"`
			CommandUUID string `json:"command_uuid"`
		} `json:"acknowledge_event"`
	}
	decode := func(r recorded) event {
		var e event
		if err := json.Unmarshal(r.Body, &e); err != nil {
			t.Fatalf("decoding webhook %s: %v", r.Body, err)
		}
		return e
	}
	forDevice := func(topic string) func(recorded) bool {
		return func(r recorded) bool {
			return strings.Contains(string(r.Body), dev.UDID) && decode(r).Topic == topic
		}
	}

	h.webhook.waitFor(t, 1, forDevice("mdm.Authenticate"))
	h.webhook.waitFor(t, 1, forDevice("mdm.TokenUpdate"))
	acks := h.webhook.waitFor(t, 2, forDevice("mdm.Connect"))
	var found bool
	for _, r := range acks {
		e := decode(r)
		if ack := e.AcknowledgeEvent; ack != nil && ack.Status == "Acknowledged" && ack.CommandUUID == uuid {
			found = true
			if len(e.EventID) != 16 {
				t.Errorf("got event_id %q, want the 16-character trace ID", e.EventID)
			}
		}
	}
	if !found {
		t.Errorf("got no Acknowledged event for %s among %d Connect events", uuid, len(acks))
	}
}
