package webhook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service/webhook"
)

var update = flag.Bool("update", false, "rewrite this package's own golden files")

const hmacKey = "test-key"

// tallyStore returns a fixed tally or error.
type tallyStore struct {
	tally int
	err   error
}

func (s tallyStore) RetrieveTokenUpdateTally(context.Context, string) (int, error) {
	return s.tally, s.err
}

// posted is one request the test server received.
type posted struct {
	method      string
	contentType string
	signature   string
	body        []byte
}

// receiver is a webhook endpoint that records every POST and replies
// with status.
type receiver struct {
	mu     sync.Mutex
	posts  []posted
	status int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.posts = append(rc.posts, posted{
		method:      r.Method,
		contentType: r.Header.Get("Content-Type"),
		signature:   r.Header.Get("X-Hmac-Signature"),
		body:        body,
	})
	rc.mu.Unlock()
	if rc.status != 0 {
		w.WriteHeader(rc.status)
	}
}

func (rc *receiver) received() []posted {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]posted(nil), rc.posts...)
}

func newWebhook(t *testing.T, rc *receiver, tally tallyStore, opts ...webhook.Option) (*webhook.Webhook, *bytes.Buffer) {
	t.Helper()
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	var logs bytes.Buffer
	opts = append([]webhook.Option{
		webhook.WithClock(func() time.Time { return time.Time{} }),
		webhook.WithHMACSecret([]byte(hmacKey)),
		webhook.WithLogger(log.New(&logs, true)),
	}, opts...)
	return webhook.New(srv.URL, tally, opts...), &logs
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// resolvedRequest returns a request as the core service leaves it: with
// the enrollment ID of e and the test trace ID.
func resolvedRequest(e *mdm.Enrollment) *mdm.Request {
	r := mdm.NewRequest(log.WithTraceID(context.Background(), "test_event_id"), nil)
	r.EnrollID = e.Resolve()
	return r
}

func checkPost(t *testing.T, got posted, wantBody []byte) {
	t.Helper()
	if got.method != http.MethodPost {
		t.Errorf("got method %s, want POST", got.method)
	}
	if want := "application/json; charset=utf-8"; got.contentType != want {
		t.Errorf("got Content-Type %q, want %q", got.contentType, want)
	}
	mac := hmac.New(sha256.New, []byte(hmacKey))
	mac.Write(got.body)
	if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); got.signature != want {
		t.Errorf("got X-Hmac-Signature %q, want %q", got.signature, want)
	}
	if !bytes.Equal(got.body, wantBody) {
		t.Errorf("got body\n%s\nwant\n%s", got.body, wantBody)
	}
}

func TestGoldenAuthenticate(t *testing.T) {
	rc := &receiver{}
	w, _ := newWebhook(t, rc, tallyStore{})
	msg, err := mdm.DecodeCheckin(readFile(t, "Authenticate.2.plist"))
	if err != nil {
		t.Fatal(err)
	}
	auth := msg.(*mdm.Authenticate)
	if err := w.Authenticate(resolvedRequest(&auth.Enrollment), auth); err != nil {
		t.Fatalf("got error %v, want nil", err)
	}

	posts := rc.received()
	if len(posts) != 1 {
		t.Fatalf("got %d posts, want 1", len(posts))
	}
	checkPost(t, posts[0], bytes.TrimSpace(readFile(t, "Authenticate.2.json")))
}

func TestGoldenCommandReport(t *testing.T) {
	rc := &receiver{}
	w, _ := newWebhook(t, rc, tallyStore{})
	report, err := mdm.DecodeCommandResults(readFile(t, "DeviceInformation.1.plist"))
	if err != nil {
		t.Fatal(err)
	}
	cmd, err := w.CommandAndReportResults(resolvedRequest(&report.Enrollment), report)
	if err != nil || cmd != nil {
		t.Fatalf("got %v, %v, want nil, nil", cmd, err)
	}

	posts := rc.received()
	if len(posts) != 1 {
		t.Fatalf("got %d posts, want 1", len(posts))
	}
	checkPost(t, posts[0], bytes.TrimSpace(readFile(t, "DeviceInformation.1.json")))
}

func TestGoldenTokenUpdateWithParams(t *testing.T) {
	rc := &receiver{}
	w, _ := newWebhook(t, rc, tallyStore{tally: 1})
	msg, err := mdm.DecodeCheckin(readFile(t, "TokenUpdate.2.plist"))
	if err != nil {
		t.Fatal(err)
	}
	tu := msg.(*mdm.TokenUpdate)
	r := resolvedRequest(&tu.Enrollment)
	r.Params = map[string]string{"group": "<a&b>", "site": "paris"}
	if err := w.TokenUpdate(r, tu); err != nil {
		t.Fatalf("got error %v, want nil", err)
	}

	posts := rc.received()
	if len(posts) != 1 {
		t.Fatalf("got %d posts, want 1", len(posts))
	}
	golden := filepath.Join("testdata", "TokenUpdate.2.json")
	if *update {
		if err := os.WriteFile(golden, posts[0].body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	checkPost(t, posts[0], readFile(t, "TokenUpdate.2.json"))
	for _, want := range []string{`"token_update_tally":1,"udid"`, `"group":"\u003ca\u0026b\u003e"`} {
		if !strings.Contains(string(posts[0].body), want) {
			t.Errorf("got body %s, want it to contain %s", posts[0].body, want)
		}
	}
}
