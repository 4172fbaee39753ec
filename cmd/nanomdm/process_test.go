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

func TestProcessesShareDatabase(t *testing.T) {
	list := sqlBackends(t)
	if len(list) == 0 {
		t.Skip("NANOMDM_TEST_PGSQL_DSN and NANOMDM_TEST_MYSQL_DSN are unset")
	}
	bin := buildBinary(t)
	for _, b := range list {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ca, err := devicesim.NewCA()
			if err != nil {
				t.Fatal(err)
			}
			caPath := filepath.Join(t.TempDir(), "ca.pem")
			writeFile(t, caPath, ca.PEM())
			apns := newLoopbackServer(t, newRecorder(nil))
			args := []string{"-ca", caPath, "-api", testAPIKey, "-apns-url", apns,
				"-storage", b.name, "-storage-dsn", b.dsn}
			procs := []*process{startProcess(t, bin, args...), startProcess(t, bin, args...)}

			f := newFleet(t, ca, procs[0].node(), procs[1].node())
			ctx, cancel := context.WithTimeout(t.Context(), fleetTimeout)
			defer cancel()
			f.deliver(ctx, f.enroll(ctx, 8), 2, true)

			for _, p := range procs {
				if code := p.stop(t); code != 0 {
					t.Errorf("process on %s: got exit code %d after SIGTERM, want 0", p.addr, code)
				}
				if out := p.stderr.String(); !strings.Contains(out, `msg="server shutdown"`) {
					t.Errorf("process on %s: output has no shutdown line:\n%s", p.addr, out)
				}
			}
		})
	}
}
