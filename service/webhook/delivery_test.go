package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service/webhook"
)

var userEnrollment = mdm.Enrollment{UDID: "DEV-1", UserID: "USER-1"}

func TestEveryTopic(t *testing.T) {
	raw := mdm.Raw{Raw: []byte("<plist/>")}
	tests := []struct {
		topic string
		call  func(w *webhook.Webhook, r *mdm.Request) error
	}{
		{webhook.TopicAuthenticate, func(w *webhook.Webhook, r *mdm.Request) error {
			return w.Authenticate(r, &mdm.Authenticate{Enrollment: userEnrollment, Raw: raw})
		}},
		{webhook.TopicTokenUpdate, func(w *webhook.Webhook, r *mdm.Request) error {
			return w.TokenUpdate(r, &mdm.TokenUpdate{Enrollment: userEnrollment, Raw: raw})
		}},
		{webhook.TopicCheckOut, func(w *webhook.Webhook, r *mdm.Request) error {
			return w.CheckOut(r, &mdm.CheckOut{Enrollment: userEnrollment, Raw: raw})
		}},
		{webhook.TopicSetBootstrapToken, func(w *webhook.Webhook, r *mdm.Request) error {
			return w.SetBootstrapToken(r, &mdm.SetBootstrapToken{Enrollment: userEnrollment, Raw: raw})
		}},
		{webhook.TopicGetBootstrapToken, func(w *webhook.Webhook, r *mdm.Request) error {
			_, err := w.GetBootstrapToken(r, &mdm.GetBootstrapToken{Enrollment: userEnrollment, Raw: raw})
			return err
		}},
		{webhook.TopicUserAuthenticate, func(w *webhook.Webhook, r *mdm.Request) error {
			_, err := w.UserAuthenticate(r, &mdm.UserAuthenticate{Enrollment: userEnrollment, Raw: raw})
			return err
		}},
		{webhook.TopicDeclarativeManagement, func(w *webhook.Webhook, r *mdm.Request) error {
			_, err := w.DeclarativeManagement(r, &mdm.DeclarativeManagement{Enrollment: userEnrollment, Raw: raw})
			return err
		}},
		{webhook.TopicGetToken, func(w *webhook.Webhook, r *mdm.Request) error {
			_, err := w.GetToken(r, &mdm.GetToken{Enrollment: userEnrollment, Raw: raw})
			return err
		}},
		{webhook.TopicConnect, func(w *webhook.Webhook, r *mdm.Request) error {
			_, err := w.CommandAndReportResults(r, &mdm.CommandResults{Enrollment: userEnrollment, Status: "Idle", Raw: raw})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.topic, func(t *testing.T) {
			rc := &receiver{}
			w, _ := newWebhook(t, rc, tallyStore{tally: 3})
			if err := tc.call(w, resolvedRequest(&userEnrollment)); err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			posts := rc.received()
			if len(posts) != 1 {
				t.Fatalf("got %d posts, want 1", len(posts))
			}

			var ev webhook.Event
			if err := json.Unmarshal(posts[0].body, &ev); err != nil {
				t.Fatalf("decoding %s: %v", posts[0].body, err)
			}
			if ev.Topic != tc.topic {
				t.Errorf("got topic %q, want %q", ev.Topic, tc.topic)
			}
			wantIDs := webhook.EnrollmentIDs{ID: "DEV-1:USER-1", ParentID: "DEV-1", Type: "User"}
			gotIDs := eventIDs(&ev)
			if gotIDs == nil || *gotIDs != wantIDs {
				t.Errorf("got ids %+v, want %+v", gotIDs, wantIDs)
			}
			hasTally := ev.CheckinEvent != nil && ev.CheckinEvent.TokenUpdateTally != nil
			if hasTally != (tc.topic == webhook.TopicTokenUpdate) {
				t.Errorf("got token_update_tally present %v, want it only on TokenUpdate", hasTally)
			}
		})
	}
}

func eventIDs(ev *webhook.Event) *webhook.EnrollmentIDs {
	switch {
	case ev.CheckinEvent != nil:
		return ev.CheckinEvent.IDs
	case ev.AcknowledgeEvent != nil:
		return ev.AcknowledgeEvent.IDs
	}
	return nil
}

func TestCreatedAtNanoseconds(t *testing.T) {
	rc := &receiver{}
	at := time.Date(2026, 12, 4, 16, 12, 22, 498738800, time.UTC)
	w, _ := newWebhook(t, rc, tallyStore{}, webhook.WithClock(func() time.Time { return at }))
	if err := w.CheckOut(resolvedRequest(&userEnrollment), &mdm.CheckOut{Enrollment: userEnrollment}); err != nil {
		t.Fatalf("got error %v, want nil", err)
	}
	want := `"created_at":"2026-12-04T16:12:22.4987388Z"`
	if body := string(rc.received()[0].body); !strings.Contains(body, want) {
		t.Errorf("got body %s, want it to contain %s", body, want)
	}
}

func TestDeliveryErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		tally     tallyStore
		wantErr   string
		wantPosts int
	}{
		{name: "non-200 status", status: http.StatusAccepted, wantErr: "unexpected HTTP status: 202 Accepted", wantPosts: 1},
		{name: "server error", status: http.StatusInternalServerError, wantErr: "unexpected HTTP status: 500", wantPosts: 1},
		{name: "tally error", tally: tallyStore{err: errors.New("no rows")}, wantErr: "no rows", wantPosts: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rc := &receiver{status: tc.status}
			w, _ := newWebhook(t, rc, tc.tally)
			err := w.TokenUpdate(resolvedRequest(&userEnrollment), &mdm.TokenUpdate{Enrollment: userEnrollment})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("got error %v, want one containing %q", err, tc.wantErr)
			}
			if got := len(rc.received()); got != tc.wantPosts {
				t.Errorf("got %d posts, want %d", got, tc.wantPosts)
			}
		})
	}
}

func TestEventWithoutEnrollmentDropped(t *testing.T) {
	rc := &receiver{}
	w, logs := newWebhook(t, rc, tallyStore{})
	r := mdm.NewRequest(context.Background(), nil)
	if err := w.TokenUpdate(r, &mdm.TokenUpdate{}); err != nil {
		t.Errorf("TokenUpdate: got error %v, want nil", err)
	}
	if _, err := w.CommandAndReportResults(r, &mdm.CommandResults{Status: "Idle"}); err != nil {
		t.Errorf("CommandAndReportResults: got error %v, want nil", err)
	}
	if got := len(rc.received()); got != 0 {
		t.Errorf("got %d posts, want 0", got)
	}
	if got := strings.Count(logs.String(), "dropping event without enrollment id"); got != 2 {
		t.Errorf("got %d drop lines in %q, want 2", got, logs.String())
	}
}

func TestNoSignatureWithoutKey(t *testing.T) {
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	w := webhook.New(srv.URL, tallyStore{})
	if err := w.CheckOut(resolvedRequest(&userEnrollment), &mdm.CheckOut{}); err != nil {
		t.Fatalf("got error %v, want nil", err)
	}
	if got := rc.received()[0].signature; got != "" {
		t.Errorf("got X-Hmac-Signature %q, want none", got)
	}
}

// stalledServer accepts requests and sends no response until the test ends.
func stalledServer(t *testing.T) (*httptest.Server, chan struct{}) {
	t.Helper()
	arrived := make(chan struct{}, 8)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		arrived <- struct{}{}
		<-release
	}))
	t.Cleanup(func() {
		close(release)
		srv.Close()
	})
	return srv, arrived
}

func TestClientTimeout(t *testing.T) {
	srv, _ := stalledServer(t)
	w := webhook.New(srv.URL, tallyStore{}, webhook.WithClient(&http.Client{Timeout: 50 * time.Millisecond}))
	err := w.CheckOut(resolvedRequest(&userEnrollment), &mdm.CheckOut{})
	if err == nil || !strings.Contains(err.Error(), "Client.Timeout") {
		t.Errorf("got error %v, want a client timeout", err)
	}
}

func TestMaxConcurrentBounds(t *testing.T) {
	srv, arrived := stalledServer(t)
	w := webhook.New(srv.URL, tallyStore{}, webhook.WithMaxConcurrent(1))
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r := resolvedRequest(&userEnrollment)
		r.Context = ctx
		_ = w.CheckOut(r, &mdm.CheckOut{})
	}()
	<-arrived

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	r := resolvedRequest(&userEnrollment)
	r.Context = ctx
	err := w.CheckOut(r, &mdm.CheckOut{})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "waiting to post") {
		t.Errorf("got error %v, want a wait deadline error", err)
	}
	select {
	case <-arrived:
		t.Error("got a second POST in flight, want at most one")
	default:
	}
}
