package devicesim_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

func commandPlist(uuid string) []byte {
	return fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>CommandUUID</key><string>%s</string>
<key>Command</key><dict><key>RequestType</key><string>ProfileList</string></dict>
</dict></plist>`, uuid)
}

// queueServer sends its queued commands one per reply, whatever the report
// says, and records the reports.
type queueServer struct {
	mu      sync.Mutex
	queue   [][]byte
	reports []*mdm.CommandResults
	forever bool
}

func (s *queueServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Header.Get("Content-Type") != devicesim.ContentTypeCheckin {
		raw, _ := io.ReadAll(r.Body)
		report, err := mdm.DecodeCommandResults(raw)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.reports = append(s.reports, report)
		switch {
		case s.forever:
			body = commandPlist("again")
		case len(s.queue) > 0:
			body, s.queue = s.queue[0], s.queue[1:]
		}
		s.mu.Unlock()
	}
	w.Write(body)
}

func newQueueDevice(t *testing.T, handler http.Handler) *devicesim.Device {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	id, err := devicesim.NewSelfSignedIdentity(devicesim.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := devicesim.NewDevice(id, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	dev.Client = srv.Client()
	return dev
}

func TestPoll(t *testing.T) {
	srv := &queueServer{queue: [][]byte{commandPlist("A"), commandPlist("B"), commandPlist("C")}}
	dev := newQueueDevice(t, srv)
	report := func(cmd *mdm.Command) (string, map[string]any) {
		if cmd.CommandUUID == "B" {
			return mdm.StatusNotNow, nil
		}
		return devicesim.Acknowledge(cmd)
	}

	cmds, err := dev.Poll(context.Background(), report)
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	var gotUUIDs []string
	for _, cmd := range cmds {
		gotUUIDs = append(gotUUIDs, cmd.CommandUUID)
	}
	if fmt.Sprint(gotUUIDs) != "[A B C]" {
		t.Errorf("got commands %v, want [A B C]", gotUUIDs)
	}
	var gotReports []string
	for _, r := range srv.reports {
		gotReports = append(gotReports, r.Status+":"+r.CommandUUID)
	}
	want := "[Idle: Acknowledged:A NotNow:B Acknowledged:C]"
	if fmt.Sprint(gotReports) != want {
		t.Errorf("got reports %v, want %s", gotReports, want)
	}
}

func TestPollStopsEndlessServer(t *testing.T) {
	dev := newQueueDevice(t, &queueServer{forever: true})
	cmds, err := dev.Poll(context.Background(), devicesim.Acknowledge)
	if err == nil {
		t.Fatal("got no error from an endless server, want one")
	}
	if len(cmds) != devicesim.MaxPollCommands {
		t.Errorf("got %d commands, want %d", len(cmds), devicesim.MaxPollCommands)
	}
}

func TestPollErrors(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		wantStatus bool
	}{
		{name: "server error", status: http.StatusInternalServerError, body: "Internal Server Error\n", wantStatus: true},
		{name: "not a command", status: http.StatusOK, body: "<plist><dict/></plist>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dev := newQueueDevice(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}))
			_, err := dev.Poll(context.Background(), devicesim.Acknowledge)
			var statusErr *devicesim.StatusError
			if gotStatus := errors.As(err, &statusErr); gotStatus != tc.wantStatus || err == nil {
				t.Errorf("got error %v, want an error that is a *StatusError: %t", err, tc.wantStatus)
			}
		})
	}
}

func TestEnroll(t *testing.T) {
	var mu sync.Mutex
	var types []string
	status := http.StatusOK
	dev := newQueueDevice(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		msg, err := mdm.DecodeCheckin(raw)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		types = append(types, fmt.Sprintf("%T", msg))
		w.WriteHeader(status)
	}))

	if err := dev.Enroll(context.Background()); err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	if fmt.Sprint(types) != "[*mdm.Authenticate *mdm.TokenUpdate]" {
		t.Errorf("got check-ins %v, want Authenticate then TokenUpdate", types)
	}

	mu.Lock()
	status = http.StatusInternalServerError
	mu.Unlock()
	err := dev.Enroll(context.Background())
	var statusErr *devicesim.StatusError
	if !errors.As(err, &statusErr) || statusErr.Request != "Authenticate" {
		t.Errorf("got error %v, want a *StatusError for Authenticate", err)
	}
}

func TestPollReportTransportError(t *testing.T) {
	// The first report gets a command; the connection of the next one is
	// closed without a response.
	var reports atomic.Int32
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if reports.Add(1) == 1 {
			w.Write(commandPlist("A"))
			return
		}
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijacking connection: %v", err)
			return
		}
		conn.Close()
	})
	dev := newQueueDevice(t, handler)
	cmds, err := dev.Poll(t.Context(), devicesim.Acknowledge)
	if err == nil {
		t.Fatal("Poll() error = nil, want the transport error of the second report")
	}
	if len(cmds) != 1 || cmds[0].CommandUUID != "A" {
		t.Errorf("got commands %v, want only A", cmds)
	}
}
