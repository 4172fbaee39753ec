package main

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// killInterval is how often the load test ends the server's database
// sessions.
const killInterval = 20 * time.Millisecond

// outageServer is a harness server whose storage is a scratch database
// reached through a TCP proxy, so a test can cut its connections or make
// the database unreachable.
type outageServer struct {
	h     *harness
	db    *scratchDB
	proxy *tcpProxy
	fleet *fleet
}

// newOutageServer starts a server on a new database of b's server, with
// the schema loaded by the create_schema option.
func newOutageServer(t *testing.T, b backend) *outageServer {
	t.Helper()
	s := &outageServer{db: newScratchDB(t, b, "nanomdm_outage")}
	s.proxy = newTCPProxy(t, s.db.serverAddr)
	s.h = newHarness(t, backend{name: b.name, dsn: s.db.dsn(t, s.proxy.addr)},
		"-storage-options", "create_schema=1")
	s.fleet = newFleet(t, s.h.ca, harnessNode(s.h))
	return s
}

// collect runs the pollers at the same time and returns how many 5xx
// responses they retried.
func collect(ctx context.Context, t *testing.T, pollers []*poller) int {
	t.Helper()
	var wg sync.WaitGroup
	for _, p := range pollers {
		wg.Go(func() {
			if err := p.run(ctx); err != nil {
				t.Errorf("device %s: %v", p.dev.UDID, err)
			}
		})
	}
	wg.Wait()
	total := 0
	for _, p := range pollers {
		total += p.serverErrors
	}
	return total
}

// errorLines counts the error-level log lines of device requests that
// ended in a 5xx.
func (s *outageServer) errorLines() int {
	n := 0
	for line := range strings.Lines(s.h.logs.String()) {
		if strings.Contains(line, "level=error") && strings.Contains(line, "http_status=5") {
			n++
		}
	}
	return n
}

func TestDatabaseOutage(t *testing.T) {
	list := sqlBackends(t)
	if len(list) == 0 {
		t.Skip("NANOMDM_TEST_PGSQL_DSN and NANOMDM_TEST_MYSQL_DSN are unset")
	}
	tests := []struct {
		name string
		test func(*testing.T, *outageServer)
	}{
		{name: "sessions killed while idle", test: testSessionsKilledIdle},
		{name: "sessions killed under load", test: testSessionsKilledUnderLoad},
		{name: "database unreachable", test: testDatabaseUnreachable},
	}
	for _, b := range list {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				s := newOutageServer(t, b)
				tt.test(t, s)

				// Afterwards the server works without a single failure.
				ctx, cancel := context.WithTimeout(t.Context(), fleetTimeout)
				defer cancel()
				s.fleet.deliver(ctx, s.fleet.enroll(ctx, 3), 1, true)
			})
		}
	}
}

// testSessionsKilledIdle ends every database session of the server while
// no request runs. Queued commands are all delivered afterwards, and each
// request that failed on the way got a 5xx and a log line.
func testSessionsKilledIdle(t *testing.T, s *outageServer) {
	ctx, cancel := context.WithTimeout(t.Context(), fleetTimeout)
	defer cancel()
	pollers := s.fleet.queue(ctx, s.fleet.enroll(ctx, 4))
	n, err := s.db.killConnections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("got no database sessions of the server to kill, want at least one")
	}

	failed := collect(ctx, t, pollers)
	t.Logf("%d sessions killed, %d requests failed", n, failed)
	if logged := s.errorLines(); logged < failed {
		t.Errorf("got %d error log lines for %d failed requests, want one for each", logged, failed)
	}
}

// testSessionsKilledUnderLoad ends the server's database sessions every
// killInterval while devices collect their commands.
func testSessionsKilledUnderLoad(t *testing.T, s *outageServer) {
	ctx, cancel := context.WithTimeout(t.Context(), fleetTimeout)
	defer cancel()
	pollers := s.fleet.queue(ctx, s.fleet.enroll(ctx, 4))

	stop := make(chan struct{})
	var killer sync.WaitGroup
	kills := 0
	killer.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(killInterval):
				n, err := s.db.killConnections(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				kills += n
			}
		}
	})
	failed := collect(ctx, t, pollers)
	close(stop)
	killer.Wait()

	t.Logf("%d sessions killed, %d requests failed", kills, failed)

	if kills == 0 {
		t.Error("got no database sessions killed during the load, want some")
	}
	if logged := s.errorLines(); logged < failed {
		t.Errorf("got %d error log lines for %d failed requests, want one for each", logged, failed)
	}
}

// testDatabaseUnreachable takes the database away for a moment. Device
// and API requests then get a 5xx and a log line while other routes keep
// working. Once the database is back, every command queued before is
// delivered.
func testDatabaseUnreachable(t *testing.T, s *outageServer) {
	ctx, cancel := context.WithTimeout(t.Context(), fleetTimeout)
	defer cancel()
	devices := s.fleet.enroll(ctx, 4)
	pollers := s.fleet.queue(ctx, devices)

	s.proxy.down()
	for _, d := range devices {
		resp, err := d.ReportIdle(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("Idle while the database is unreachable: got status %d, want 500", resp.StatusCode)
		}
	}
	if logged := s.errorLines(); logged < len(devices) {
		t.Errorf("got %d error log lines for %d failed requests, want one for each", logged, len(devices))
	}
	_, raw := s.fleet.command("ProfileList")
	status, body, err := s.fleet.enqueue(ctx, 0, []string{devices[0].UDID}, raw)
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusInternalServerError || !strings.Contains(body, "command_error") {
		t.Errorf("enqueue while the database is unreachable: got status %d and body %s, want 500 with a command_error", status, body)
	}
	if !strings.Contains(s.h.logs.String(), `level=error msg=enqueue`) {
		t.Errorf("got no error log line for the failed enqueue")
	}
	if status, body := s.h.do(http.MethodGet, "/version", nil, false); status != http.StatusOK {
		t.Errorf("/version while the database is unreachable: got status %d and body %q, want 200", status, body)
	}

	s.proxy.up()
	collect(ctx, t, pollers)
}
