package main

import (
	"context"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

// processStopTimeout bounds how long a process may take to exit after
// SIGTERM. It is above shutdownTimeout, which the process itself keeps.
const processStopTimeout = shutdownTimeout + 10*time.Second

// buildBinary builds the nanomdm command into a temporary directory and
// returns its path.
func buildBinary(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "nanomdm")
	// go test puts the go command of its own toolchain first on PATH.
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", path, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building nanomdm: %v\n%s", err, out)
	}
	return path
}

// process is a nanomdm binary running as a child process on a loopback
// port.
type process struct {
	cmd    *exec.Cmd
	addr   string
	stderr *syncBuffer
	exited chan struct{}
}

// startProcess runs bin with args and -listen on a free loopback port,
// with an empty environment, and waits until the port accepts
// connections. A process still running when the test ends is killed.
func startProcess(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	p := &process{addr: freePort(t), stderr: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"-listen", p.addr}, args...)...)
	p.cmd.Env = []string{}
	p.cmd.Stdout, p.cmd.Stderr = p.stderr, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	go func() {
		_ = p.cmd.Wait() // the exit status is read from ProcessState
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("output of the process on %s:\n%s", p.addr, p.stderr)
		}
	})
	waitListening(t, p.addr)
	return p
}

// node returns the process as a fleet node.
func (p *process) node() node {
	return node{url: "http://" + p.addr, client: &http.Client{Timeout: time.Minute}}
}

// stop sends SIGTERM to the process and returns its exit code once it has
// exited.
func (p *process) stop(t *testing.T) int {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("sending SIGTERM to process %d: %v", p.cmd.Process.Pid, err)
	}
	select {
	case <-p.exited:
	case <-time.After(processStopTimeout):
		t.Fatalf("process %d did not exit within %v of SIGTERM", p.cmd.Process.Pid, processStopTimeout)
	}
	return p.cmd.ProcessState.ExitCode()
}

func TestProcessesOnSQL(t *testing.T) {
	list := sqlBackends(t)
	if len(list) == 0 {
		t.Skip("NANOMDM_TEST_PGSQL_DSN and NANOMDM_TEST_MYSQL_DSN are unset")
	}
	bin := buildBinary(t)
	for _, b := range list {
		t.Run(b.name+"/two processes on one database", func(t *testing.T) {
			t.Parallel()
			testProcessesShareDatabase(t, bin, b)
		})
		t.Run(b.name+"/database unreachable", func(t *testing.T) {
			t.Parallel()
			testProcessSurvivesOutage(t, bin, b)
		})
	}
}

// processArgs writes a new device CA and returns it with the flags of a
// process on dsn. The APNs URL points at a local mock, so no push leaves
// the machine.
func processArgs(t *testing.T, b backend, dsn string, extra ...string) (*devicesim.CA, []string) {
	t.Helper()
	ca, err := devicesim.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	caPath := filepath.Join(t.TempDir(), "ca.pem")
	writeFile(t, caPath, ca.PEM())
	apns := newLoopbackServer(t, newRecorder(nil))
	args := []string{"-ca", caPath, "-api", testAPIKey, "-apns-url", apns,
		"-storage", b.name, "-storage-dsn", dsn}
	return ca, append(args, extra...)
}

// stopAll stops each process with SIGTERM and checks that it exits 0
// after logging its shutdown.
func stopAll(t *testing.T, procs ...*process) {
	t.Helper()
	for _, p := range procs {
		if code := p.stop(t); code != 0 {
			t.Errorf("process on %s: got exit code %d after SIGTERM, want 0", p.addr, code)
		}
		if out := p.stderr.String(); !strings.Contains(out, `msg="server shutdown"`) {
			t.Errorf("process on %s: output has no shutdown line:\n%s", p.addr, out)
		}
	}
}

// testProcessesShareDatabase runs the delivery scenario of
// TestServersShareDatabase against two processes.
func testProcessesShareDatabase(t *testing.T, bin string, b backend) {
	ca, args := processArgs(t, b, b.dsn)
	procs := []*process{startProcess(t, bin, args...), startProcess(t, bin, args...)}

	f := newFleet(t, ca, procs[0].node(), procs[1].node())
	ctx, cancel := context.WithTimeout(t.Context(), fleetTimeout)
	defer cancel()
	f.deliver(ctx, f.enrollConcurrently(ctx, 8), 2, true)
	stopAll(t, procs...)
}

// testProcessSurvivesOutage makes the database of a process unreachable
// for a moment. Device requests get 500 and an error line, the process
// keeps running, and afterwards every command queued before is
// delivered.
func testProcessSurvivesOutage(t *testing.T, bin string, b backend) {
	db := newScratchDB(t, b, "nanomdm_outage")
	proxy := newTCPProxy(t, db.serverAddr)
	ca, args := processArgs(t, b, db.dsn(t, proxy.addr), "-storage-options", "create_schema=1")
	p := startProcess(t, bin, args...)
	f := newFleet(t, ca, p.node())
	ctx, cancel := context.WithTimeout(t.Context(), fleetTimeout)
	defer cancel()
	devices := f.enroll(ctx, 3)
	pollers := f.queue(ctx, devices)

	proxy.down()
	for _, d := range devices {
		f.use(d, 0)
		resp, err := d.ReportIdle(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("Idle while the database is unreachable: got status %d, want 500", resp.StatusCode)
		}
	}
	select {
	case <-p.exited:
		t.Fatalf("process exited during the outage with code %d", p.cmd.ProcessState.ExitCode())
	default:
	}
	if out := p.stderr.String(); !strings.Contains(out, "level=error") || !strings.Contains(out, "http_status=500") {
		t.Errorf("got output without an error line for the failed requests:\n%s", out)
	}

	proxy.up()
	collect(ctx, t, pollers)
	stopAll(t, p)
}
