package http_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	nanohttp "github.com/mdmforge/nanomdm/http"
	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
)

func TestErrorStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want int
	}{
		{name: "nil", err: nil, want: http.StatusOK},
		{name: "plain", err: errors.New("storage down"), want: http.StatusInternalServerError},
		{name: "parse error", err: fmt.Errorf("decoding: %w", &mdm.ParseError{Err: mdm.ErrEmptyBody}), want: http.StatusBadRequest},
		{name: "no status", err: fmt.Errorf("decoding: %w", mdm.ErrInvalidCommandResult), want: http.StatusBadRequest},
		{name: "status error", err: fmt.Errorf("ua: %w", service.NewHTTPStatusError(http.StatusGone, errors.New("declined"))), want: http.StatusGone},
		{name: "body too large", err: fmt.Errorf("reading body: %w", &http.MaxBytesError{Limit: 1}), want: http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nanohttp.ErrorStatus(tt.err); got != tt.want {
				t.Errorf("ErrorStatus(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestWriteError(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := log.New(&logs, false)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/mdm", nil)

	nanohttp.WriteError(rec, req, logger, http.StatusBadRequest, "check-in request", errors.New("bad plist"))

	if got, want := rec.Code, http.StatusBadRequest; got != want {
		t.Errorf("got status %d, want %d", got, want)
	}
	if got, want := rec.Body.String(), "Bad Request\n"; got != want {
		t.Errorf("got body %q, want %q", got, want)
	}
	if got, want := rec.Header().Get("Content-Type"), "text/plain; charset=utf-8"; got != want {
		t.Errorf("got Content-Type %q, want %q", got, want)
	}
	for _, want := range []string{"level=warn", `msg="check-in request"`, "http_status=400", `err="bad plist"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log %q does not contain %q", logs.String(), want)
		}
	}
}

func TestTraceLogging(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var traceID string
	h := nanohttp.TraceLogging(log.New(&logs, false), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		traceID = log.TraceID(r.Context())
	}))
	req := httptest.NewRequest(http.MethodPut, "/v1/enqueue/A%2CB?nopush=1", nil)
	req.RemoteAddr = "127.0.0.1:5555"
	req.Header.Set("User-Agent", "curl/8")
	req.Header.Set("X-Forwarded-For", "10.1.1.1")

	h.ServeHTTP(httptest.NewRecorder(), req)

	if len(traceID) != 16 {
		t.Fatalf("got trace ID %q, want 16 hex characters", traceID)
	}
	for _, want := range []string{"trace_id=" + traceID, "addr=127.0.0.1 ", "method=PUT", "path=/v1/enqueue/A,B ", "agent=curl/8", "x_forwarded_for=10.1.1.1"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log %q does not contain %q", logs.String(), want)
		}
	}
}

func TestLimitBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		limit   int64
		body    string
		wantErr bool
	}{
		{name: "under limit", limit: 4, body: "1234"},
		{name: "over limit", limit: 4, body: "12345", wantErr: true},
		{name: "no limit", limit: 0, body: "12345"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			h := nanohttp.LimitBody(tt.limit, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, err = io.ReadAll(r.Body)
			}))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body)))
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Fatalf("got error %v, want error %t", err, tt.wantErr)
			}
			if tt.wantErr && nanohttp.ErrorStatus(err) != http.StatusRequestEntityTooLarge {
				t.Errorf("got status %d, want 413", nanohttp.ErrorStatus(err))
			}
		})
	}
}
