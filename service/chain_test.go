package service_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
	"github.com/mdmforge/nanomdm/service/certauth"
	"github.com/mdmforge/nanomdm/service/multi"
	"github.com/mdmforge/nanomdm/service/nanomdm"
	"github.com/mdmforge/nanomdm/service/webhook"
	"github.com/mdmforge/nanomdm/storage/inmem"
)

// chain is the stock service chain over the in-memory backend: certauth,
// then multi with the core service first and the webhook second.
type chain struct {
	svc    service.CheckinAndCommandService
	store  *inmem.InMem
	multi  *multi.MultiService
	mu     sync.Mutex
	events []webhook.Event
}

func newChain(t *testing.T) *chain {
	t.Helper()
	c := &chain{store: inmem.New()}
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev webhook.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("decoding webhook event %s: %v", body, err)
		}
		c.mu.Lock()
		c.events = append(c.events, ev)
		c.mu.Unlock()
	}))
	t.Cleanup(srv.Close)

	core := nanomdm.New(c.store, nanomdm.WithUserAuthenticate(nanomdm.NewUserAuthenticator()))
	hook := webhook.New(srv.URL, c.store)
	c.multi = multi.New([]service.CheckinAndCommandService{core, hook})
	c.svc = certauth.New(c.multi, c.store)
	return c
}

// drain waits for the webhook and returns the events posted so far.
func (c *chain) drain(t *testing.T) []webhook.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := c.multi.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]webhook.Event(nil), c.events...)
}

var identity = &x509.Certificate{Raw: []byte("device identity")}

func (c *chain) checkin(t *testing.T, messageType, extra string) ([]byte, error) {
	t.Helper()
	r := mdm.NewRequest(log.WithTraceID(context.Background(), "trace"), identity)
	return service.CheckinRequest(c.svc, r, checkinBody(messageType, extra))
}

func (c *chain) report(t *testing.T, status, uuid string) string {
	t.Helper()
	entries := "<key>UDID</key><string>UDID-1</string><key>Status</key><string>" + status + "</string>"
	if uuid != "" {
		entries += "<key>CommandUUID</key><string>" + uuid + "</string>"
	}
	r := mdm.NewRequest(context.Background(), identity)
	reply, err := service.CommandAndReportResultsRequest(c.svc, r, plistBody(entries))
	if err != nil {
		t.Fatalf("report %s %s: got error %v, want nil", status, uuid, err)
	}
	if len(reply) == 0 {
		return ""
	}
	cmd, err := mdm.DecodeCommand(reply)
	if err != nil {
		t.Fatalf("decoding reply %q: %v", reply, err)
	}
	return cmd.CommandUUID
}

func (c *chain) enqueue(t *testing.T, uuids ...string) {
	t.Helper()
	for _, uuid := range uuids {
		cmd, err := mdm.DecodeCommand(plistBody(fmt.Sprintf(
			"<key>CommandUUID</key><string>%s</string><key>Command</key><dict>"+
				"<key>RequestType</key><string>DeviceInformation</string></dict>", uuid)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.store.EnqueueCommand(context.Background(), []string{"UDID-1"}, cmd); err != nil {
			t.Fatalf("enqueueing %s: %v", uuid, err)
		}
	}
}

const tokenUpdateKeys = "<key>Topic</key><string>com.apple.mgmt.External.x</string>" +
	"<key>PushMagic</key><string>MAGIC</string><key>Token</key><data>AQID</data>"

func enroll(t *testing.T, c *chain) {
	t.Helper()
	if _, err := c.checkin(t, "Authenticate", "<key>Topic</key><string>com.apple.mgmt.External.x</string>"); err != nil {
		t.Fatalf("Authenticate: got error %v, want nil", err)
	}
	if _, err := c.checkin(t, "TokenUpdate", tokenUpdateKeys); err != nil {
		t.Fatalf("TokenUpdate: got error %v, want nil", err)
	}
}

func TestChainQueueOrder(t *testing.T) {
	c := newChain(t)
	enroll(t, c)
	c.enqueue(t, "CMD-1", "CMD-2")

	steps := []struct{ status, uuid, want string }{
		{"Idle", "", "CMD-1"},
		{"NotNow", "CMD-1", "CMD-2"},
		{"Error", "CMD-2", "CMD-1"},
		{"Idle", "", "CMD-1"},
		{"Acknowledged", "CMD-1", ""},
		{"Idle", "", ""},
	}
	for i, step := range steps {
		if got := c.report(t, step.status, step.uuid); got != step.want {
			t.Fatalf("step %d (%s %s): got command %q, want %q", i+1, step.status, step.uuid, got, step.want)
		}
	}
}

func TestChainReportForUnqueuedCommand(t *testing.T) {
	c := newChain(t)
	enroll(t, c)
	c.enqueue(t, "CMD-A", "CMD-B")

	if got := c.report(t, "Acknowledged", "CMD-ZZZ"); got != "CMD-A" {
		t.Errorf("unknown command: got next %q, want CMD-A", got)
	}
	if got := c.report(t, "Acknowledged", "CMD-A"); got != "CMD-B" {
		t.Errorf("after CMD-A: got next %q, want CMD-B", got)
	}
	if got := c.report(t, "Acknowledged", "CMD-A"); got != "CMD-B" {
		t.Errorf("duplicate report: got next %q, want CMD-B", got)
	}
}

func TestChainWebhookTally(t *testing.T) {
	c := newChain(t)
	enroll(t, c)
	// The webhook reads the tally in the background, so a second
	// TokenUpdate sent before the first event went out would show in both.
	c.drain(t)
	if _, err := c.checkin(t, "TokenUpdate", tokenUpdateKeys); err != nil {
		t.Fatalf("second TokenUpdate: got error %v, want nil", err)
	}

	var tallies []int
	for _, ev := range c.drain(t) {
		if ev.Topic == webhook.TopicTokenUpdate && ev.CheckinEvent.TokenUpdateTally != nil {
			tallies = append(tallies, *ev.CheckinEvent.TokenUpdateTally)
		}
		if ev.EventID != "trace" {
			t.Errorf("got event_id %q, want %q", ev.EventID, "trace")
		}
	}
	if len(tallies) != 2 || tallies[0] != 1 || tallies[1] != 2 {
		t.Errorf("got tallies %v, want [1 2]", tallies)
	}
}

func TestChainBootstrapToken(t *testing.T) {
	c := newChain(t)
	enroll(t, c)
	if got, err := c.checkin(t, "GetBootstrapToken", ""); err != nil || got != nil {
		t.Fatalf("before escrow: got %q, %v, want empty reply", got, err)
	}
	if _, err := c.checkin(t, "SetBootstrapToken", "<key>BootstrapToken</key><data>aGVsbG8=</data>"); err != nil {
		t.Fatalf("SetBootstrapToken: got error %v, want nil", err)
	}
	got, err := c.checkin(t, "GetBootstrapToken", "")
	if err != nil || string(got) != bootstrapReply {
		t.Errorf("after escrow: got %q, %v, want %q", got, err, bootstrapReply)
	}
	if _, err := c.checkin(t, "SetBootstrapToken", ""); err != nil {
		t.Fatalf("clearing token: got error %v, want nil", err)
	}
	if got, err := c.checkin(t, "GetBootstrapToken", ""); err != nil || got != nil {
		t.Errorf("after clearing: got %q, %v, want empty reply", got, err)
	}
}

func TestChainDeniedMessageReachesNothing(t *testing.T) {
	c := newChain(t)
	_, err := c.checkin(t, "TokenUpdate", tokenUpdateKeys)
	if !errors.Is(err, certauth.ErrNotAssociated) {
		t.Fatalf("got error %v, want %v", err, certauth.ErrNotAssociated)
	}
	if events := c.drain(t); len(events) != 0 {
		t.Errorf("got %d webhook events, want 0", len(events))
	}
	tally, err := c.store.RetrieveTokenUpdateTally(context.Background(), "UDID-1")
	if err != nil || tally != 0 {
		t.Errorf("got tally %d, %v, want 0, nil", tally, err)
	}
}

func TestChainUserAuthenticateDeclinedStillPosts(t *testing.T) {
	c := newChain(t)
	enroll(t, c)
	_, err := c.checkin(t, "UserAuthenticate", "<key>UserID</key><string>USER-1</string>")
	var statusErr *service.HTTPStatusError
	if !errors.As(err, &statusErr) || statusErr.Status != http.StatusGone {
		t.Fatalf("got error %v, want a 410 status error", err)
	}

	var found bool
	for _, ev := range c.drain(t) {
		if ev.Topic == webhook.TopicUserAuthenticate {
			found = ev.CheckinEvent.IDs.ID == "UDID-1:USER-1"
		}
	}
	if !found {
		t.Error("got no mdm.UserAuthenticate event for UDID-1:USER-1, want one")
	}
}
