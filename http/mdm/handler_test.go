package mdm_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	nanohttp "github.com/mdmforge/nanomdm/http"
	httpmdm "github.com/mdmforge/nanomdm/http/mdm"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
)

const (
	authenticateBody = `<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>MessageType</key><string>Authenticate</string>
<key>UDID</key><string>UDID-1</string>
<key>Topic</key><string>com.apple.mgmt.External.x</string>
</dict></plist>`
	idleBody = `<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>UDID</key><string>UDID-1</string>
<key>Status</key><string>Idle</string>
</dict></plist>`
	dmBody = `<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>MessageType</key><string>DeclarativeManagement</string>
<key>UDID</key><string>UDID-1</string>
<key>Endpoint</key><string>tokens</string>
</dict></plist>`
	commandBody = `<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>CommandUUID</key><string>C1</string></dict></plist>`
)

func TestCheckinAndCommandHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		contentType string
		body        string
		reply       []byte
		err         error
		wantStatus  int
		wantBody    string
		wantMessage any
		wantLog     string
	}{
		{name: "check-in", contentType: httpmdm.CheckinContentType, body: authenticateBody, wantStatus: 200, wantMessage: &mdm.Authenticate{}},
		{name: "check-in with charset", contentType: httpmdm.CheckinContentType + "; charset=utf-8", body: authenticateBody, wantStatus: 200, wantMessage: &mdm.Authenticate{}},
		{name: "report", contentType: "application/x-apple-aspen-mdm", body: idleBody, wantStatus: 200, wantMessage: &mdm.CommandResults{}},
		{name: "report with command", body: idleBody, reply: []byte(commandBody), wantStatus: 200, wantBody: commandBody, wantMessage: &mdm.CommandResults{}},
		{name: "upper-case type is a report", contentType: "APPLICATION/x-apple-aspen-mdm-checkin", body: authenticateBody, wantStatus: 400, wantBody: "Bad Request\n", wantLog: "command report results"},
		{name: "report as check-in", contentType: httpmdm.CheckinContentType, body: idleBody, wantStatus: 400, wantBody: "Bad Request\n", wantLog: `unrecognized MessageType: \"\"`},
		{name: "not a plist", contentType: httpmdm.CheckinContentType, body: "hello", wantStatus: 400, wantBody: "Bad Request\n", wantLog: "content=hello"},
		{name: "empty body", contentType: httpmdm.CheckinContentType, body: "", wantStatus: 400, wantBody: "Bad Request\n", wantLog: "empty body"},
		{name: "unknown type", contentType: httpmdm.CheckinContentType, body: strings.Replace(authenticateBody, "Authenticate", "Bogus", 1), wantStatus: 400, wantBody: "Bad Request\n", wantLog: "Bogus"},
		{name: "service error", contentType: httpmdm.CheckinContentType, body: authenticateBody, err: errStorage, wantStatus: 500, wantBody: "Internal Server Error\n", wantLog: "level=error"},
		{name: "status error", contentType: httpmdm.CheckinContentType, body: authenticateBody, err: service.NewHTTPStatusError(410, errors.New("declined")), wantStatus: 410, wantBody: "Gone\n", wantLog: "http_status=410"},
		{name: "DM error keeps body", contentType: httpmdm.CheckinContentType, body: dmBody, reply: []byte("upstream failed"), err: errors.New("dm status 502"), wantStatus: 500, wantBody: "Internal Server Error\nupstream failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logs, logger := newLogger()
			svc := &fakeService{reply: tt.reply, err: tt.err}
			h := httpmdm.CheckinAndCommandHandler(svc, httpmdm.WithLogger(logger))
			req := httptest.NewRequest(http.MethodPut, "/mdm", strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if rec.Code != tt.wantStatus {
				t.Fatalf("got status %d, want %d; log: %s", rec.Code, tt.wantStatus, logs)
			}
			if got := rec.Body.String(); got != tt.wantBody {
				t.Errorf("got body %q, want %q", got, tt.wantBody)
			}
			_, msg := svc.last()
			if got, want := fmt.Sprintf("%T", msg), fmt.Sprintf("%T", tt.wantMessage); tt.wantMessage != nil && got != want {
				t.Errorf("got message %s, want %s", got, want)
			}
			if !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("log %q does not contain %q", logs, tt.wantLog)
			}
		})
	}
}

func TestHandlerReplyContentType(t *testing.T) {
	t.Parallel()
	svc := &fakeService{reply: []byte(commandBody)}
	srv := httptest.NewServer(httpmdm.CommandAndReportResultsHandler(svc))
	defer srv.Close()

	resp, err := srv.Client().Post(srv.URL, "", strings.NewReader(idleBody))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got, want := resp.Header.Get("Content-Type"), "text/xml; charset=utf-8"; got != want {
		t.Errorf("got Content-Type %q, want sniffed %q", got, want)
	}

	svc.reply = nil
	resp, err = srv.Client().Post(srv.URL, "", strings.NewReader(idleBody))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Content-Type"); got != "" {
		t.Errorf("got Content-Type %q on an empty reply, want none", got)
	}
	if got := resp.ContentLength; got != 0 {
		t.Errorf("got Content-Length %d, want 0", got)
	}
}

func TestSplitHandlers(t *testing.T) {
	t.Parallel()
	svc := &fakeService{}
	checkin := httpmdm.CheckinHandler(svc)
	command := httpmdm.CommandAndReportResultsHandler(svc)

	// With separate routes the Content-Type no longer decides.
	rec := httptest.NewRecorder()
	checkin.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/checkin", strings.NewReader(authenticateBody)))
	if rec.Code != http.StatusOK {
		t.Errorf("check-in route: got status %d, want 200", rec.Code)
	}
	req := httptest.NewRequest(http.MethodPut, "/mdm", strings.NewReader(authenticateBody))
	req.Header.Set("Content-Type", httpmdm.CheckinContentType)
	rec = httptest.NewRecorder()
	command.ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("command route with a check-in: got status %d, want 400", rec.Code)
	}
}

func TestMigrationHandler(t *testing.T) {
	t.Parallel()
	svc := &fakeService{}
	h := httpmdm.MigrationHandler(svc)
	req := httptest.NewRequest(http.MethodPut, "/migration?a=1&a=2&b=", strings.NewReader(authenticateBody))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)

	if rec.Code != http.StatusOK {
		t.Fatalf("got status %d, want 200", rec.Code)
	}
	r, _ := svc.last()
	if r.Certificate != nil {
		t.Errorf("got certificate %v, want none", r.Certificate.Subject)
	}
	if got, want := r.Params["a"], "1"; got != want {
		t.Errorf("got param a %q, want first value %q", got, want)
	}
	if _, ok := r.Params["b"]; !ok {
		t.Errorf("got params %v, want key b", r.Params)
	}
}

func TestHandlerNoQueryParams(t *testing.T) {
	t.Parallel()
	svc := &fakeService{}
	rec := httptest.NewRecorder()
	httpmdm.MigrationHandler(svc).ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/migration", strings.NewReader(authenticateBody)))
	r, _ := svc.last()
	if r.Params != nil {
		t.Errorf("got params %v, want nil", r.Params)
	}
}

func TestHandlerBodyTooLarge(t *testing.T) {
	t.Parallel()
	logs, logger := newLogger()
	svc := &fakeService{}
	h := nanohttp.LimitBody(16, httpmdm.CheckinHandler(svc, httpmdm.WithLogger(logger)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/checkin", strings.NewReader(authenticateBody)))

	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("got status %d, want 413", rec.Code)
	}
	if r, _ := svc.last(); r != nil {
		t.Error("service was called for a body over the limit")
	}
	if !strings.Contains(logs.String(), "reading body") {
		t.Errorf("log %q does not name the failed step", logs)
	}
}
