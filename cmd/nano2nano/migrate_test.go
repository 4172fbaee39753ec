package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
)

const plistHeader = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
`

// checkinPlist returns a check-in of messageType from udid, and from the
// user userID when it is not empty, with extra plist keys appended.
func checkinPlist(messageType, udid, userID, extra string) []byte {
	user := ""
	if userID != "" {
		user = "<key>UserID</key><string>" + userID + "</string>\n" +
			"<key>UserShortName</key><string>jdoe</string>\n"
	}
	return fmt.Appendf(nil, "%s<dict>\n<key>MessageType</key><string>%s</string>\n"+
		"<key>UDID</key><string>%s</string>\n%s%s</dict></plist>\n",
		plistHeader, messageType, udid, user, extra)
}

// tokenUpdateKeys are the push keys every TokenUpdate carries.
const tokenUpdateKeys = "<key>PushMagic</key><string>magic</string>\n" +
	"<key>Token</key><data>dG9rZW4=</data>\n" +
	"<key>Topic</key><string>com.apple.mgmt.External.test</string>\n"

// decode decodes a check-in plist for a scripted stream.
func decode(t *testing.T, raw []byte) any {
	t.Helper()
	msg, err := mdm.DecodeCheckin(raw)
	if err != nil {
		t.Fatalf("decoding check-in: %v", err)
	}
	return msg
}

// scriptedStore is a migration store that sends fixed items.
type scriptedStore struct {
	items []any
	err   error
}

func (s *scriptedStore) RetrieveMigrationCheckins(ctx context.Context, out chan<- any) error {
	for _, item := range s.items {
		select {
		case out <- item:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return s.err
}

// receivedRequest is one request the migration receiver got.
type receivedRequest struct {
	method      string
	user, pass  string
	authOK      bool
	contentType string
	body        []byte
}

// receiver is a local /migration endpoint that records requests and
// replies with the status statusFor returns for each body.
type receiver struct {
	mu        sync.Mutex
	requests  []receivedRequest
	statusFor func(body []byte) int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	user, pass, ok := r.BasicAuth()
	rc.mu.Lock()
	rc.requests = append(rc.requests, receivedRequest{
		method: r.Method, user: user, pass: pass, authOK: ok,
		contentType: r.Header.Get("Content-Type"), body: body,
	})
	rc.mu.Unlock()
	status := http.StatusOK
	if rc.statusFor != nil {
		status = rc.statusFor(body)
	}
	w.WriteHeader(status)
	fmt.Fprint(w, "reply body")
}

// got returns the recorded requests.
func (rc *receiver) got() []receivedRequest {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.requests)
}

func TestMigratorSendsInOrder(t *testing.T) {
	auth := checkinPlist(mdm.MessageAuthenticate, "DEV-1", "", "<key>Topic</key><string>x</string>\n")
	tu := checkinPlist(mdm.MessageTokenUpdate, "DEV-1", "", tokenUpdateKeys)
	bs := checkinPlist(mdm.MessageSetBootstrapToken, "DEV-1", "", "<key>BootstrapToken</key><data>YnM=</data>\n")
	userTU := checkinPlist(mdm.MessageTokenUpdate, "DEV-1", "USER-1", tokenUpdateKeys)
	store := &scriptedStore{items: []any{decode(t, auth), decode(t, tu), decode(t, bs), decode(t, userTU)}}

	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	var logs bytes.Buffer
	m := &migrator{
		logger: log.New(&logs, false),
		stdout: io.Discard,
		sender: &sender{client: srv.Client(), url: srv.URL + "/migration", key: "secret"},
	}
	if !m.migrate(t.Context(), store) {
		t.Errorf("migrate: got failure, want success\n%s", logs.String())
	}

	got := rc.got()
	want := [][]byte{auth, tu, bs, userTU}
	if len(got) != len(want) {
		t.Fatalf("requests: got %d, want %d", len(got), len(want))
	}
	for i, req := range got {
		if !bytes.Equal(req.body, want[i]) {
			t.Errorf("request %d body: got %q, want %q", i, req.body, want[i])
		}
		if req.method != http.MethodPut {
			t.Errorf("request %d method: got %s, want PUT", i, req.method)
		}
		if !req.authOK || req.user != "nanomdm" || req.pass != "secret" {
			t.Errorf("request %d basic auth: got %q/%q (present %v), want nanomdm/secret", i, req.user, req.pass, req.authOK)
		}
		if req.contentType != "" {
			t.Errorf("request %d Content-Type: got %q, want none", i, req.contentType)
		}
	}

	for _, line := range []string{
		"checkin=Authenticate device_id=DEV-1 type=Device",
		"checkin=TokenUpdate device_id=DEV-1 type=Device",
		"checkin=SetBootstrapToken device_id=DEV-1 type=Device",
		"checkin=TokenUpdate device_id=DEV-1 user_id=USER-1 user_short_name=jdoe type=User",
		"msg=\"migration finished\" sent=4 failed=0 skipped=0",
	} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("log: missing %q in\n%s", line, logs.String())
		}
	}
}

func TestMigratorContinuesAfterErrors(t *testing.T) {
	auth1 := checkinPlist(mdm.MessageAuthenticate, "DEV-1", "", "")
	bs1 := checkinPlist(mdm.MessageSetBootstrapToken, "DEV-1", "", "<key>BootstrapToken</key><data>YnM=</data>\n")
	ua := checkinPlist(mdm.MessageUserAuthenticate, "DEV-1", "USER-1", "")
	auth2 := checkinPlist(mdm.MessageAuthenticate, "DEV-2", "", "")
	store := &scriptedStore{
		items: []any{decode(t, auth1), errors.New("damaged TokenUpdate"), decode(t, bs1), decode(t, ua), decode(t, auth2)},
		err:   errors.New("listing failed"),
	}

	// DEV-1's messages are rejected; DEV-2's still go through.
	rc := &receiver{statusFor: func(body []byte) int {
		if bytes.Contains(body, []byte("DEV-1")) {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	var logs, stdout bytes.Buffer
	m := &migrator{
		logger: log.New(&logs, false),
		stdout: &stdout,
		sender: &sender{client: srv.Client(), url: srv.URL, key: "secret"},
	}
	if m.migrate(t.Context(), store) {
		t.Errorf("migrate: got success, want failure")
	}

	var bodies [][]byte
	for _, req := range rc.got() {
		bodies = append(bodies, req.body)
	}
	if want := [][]byte{auth1, bs1, auth2}; !slices.EqualFunc(bodies, want, bytes.Equal) {
		t.Errorf("request bodies: got %q, want %q", bodies, want)
	}
	if got := stdout.String(); got != string(bs1)+"\n" {
		t.Errorf("stdout: got %q, want the failed SetBootstrapToken plist", got)
	}
	for _, line := range []string{
		`msg="sending to migration endpoint" checkin=Authenticate device_id=DEV-1 type=Device err="Check-in Request failed with HTTP status: 500"`,
		`msg="receiving checkin" err="damaged TokenUpdate"`,
		`msg="invalid type provided" checkin=UserAuthenticate`,
		`msg="retrieving migration checkins" err="listing failed"`,
		`msg="migration finished" sent=1 failed=4 skipped=1`,
	} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("log: missing %q in\n%s", line, logs.String())
		}
	}
}

func TestMigratorDryRun(t *testing.T) {
	auth := checkinPlist(mdm.MessageAuthenticate, "DEV-1", "", "")
	var logs bytes.Buffer
	m := &migrator{logger: log.New(&logs, false), stdout: io.Discard}
	if !m.migrate(t.Context(), &scriptedStore{items: []any{decode(t, auth)}}) {
		t.Errorf("migrate: got failure, want success")
	}
	for _, line := range []string{
		"checkin=Authenticate device_id=DEV-1 type=Device",
		`msg="migration finished" sent=0 failed=0 skipped=1`,
	} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("log: missing %q in\n%s", line, logs.String())
		}
	}
}

func TestSenderTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)

	client := srv.Client()
	client.Timeout = 50 * time.Millisecond
	s := &sender{client: client, url: srv.URL, key: "secret"}
	status, err := s.put(t.Context(), []byte("body"))
	if err == nil {
		t.Fatalf("put to a stalled server: got no error, want a timeout")
	}
	if status != 0 {
		t.Errorf("put to a stalled server: got status %d, want 0", status)
	}
}
