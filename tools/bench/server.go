package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/mdmforge/nanomdm/tools/internal/localserver"
)

// certHeaderName is the proxy header the server reads with -cert-header.
const certHeaderName = "X-Client-Cert"

// server is the nanomdm process the benchmark started.
type server struct {
	bin     string
	url     string
	apiKey  string
	logPath string
	cmd     *exec.Cmd

	// gcDone is closed when the scan of the server's stderr ends.
	gcDone chan struct{}
	gcMu   sync.Mutex
	gcLast string // last gctrace line seen
}

// startServer builds the server unless -bin names one, starts it on a free
// loopback port and waits until /version responds. In memory mode the
// server runs with GODEBUG=gctrace=1, so that its live heap can be read.
func startServer(ctx context.Context, o *options, tmp string, caPEM []byte) (*server, error) {
	bin, err := serverBinary(ctx, o.bin, tmp)
	if err != nil {
		return nil, err
	}
	caPath := filepath.Join(tmp, "ca.pem")
	if err := os.WriteFile(caPath, caPEM, 0o600); err != nil {
		return nil, fmt.Errorf("writing CA: %w", err)
	}
	addr, err := localserver.FreeAddr()
	if err != nil {
		return nil, err
	}
	key := make([]byte, 16)
	_, _ = rand.Read(key) // crypto/rand.Read never returns an error

	s := &server{
		bin:     bin,
		url:     "http://" + addr,
		apiKey:  hex.EncodeToString(key),
		logPath: filepath.Join(tmp, "server.log"),
		gcDone:  make(chan struct{}),
	}
	if err := s.start(o, tmp, caPath); err != nil {
		return nil, err
	}
	if err := s.waitReady(ctx); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// serverArgs returns the command line of the server.
func serverArgs(o *options, tmp, addr, caPath, apiKey string) []string {
	dsn := o.dsn
	if o.storage == "filekv" && dsn == "" {
		dsn = filepath.Join(tmp, "db")
	}
	args := []string{
		"-listen", addr,
		"-ca", caPath,
		"-api", apiKey,
		"-storage", o.storage,
		"-storage-dsn", dsn,
	}
	if o.storageOptions != "" {
		args = append(args, "-storage-options", o.storageOptions)
	}
	if o.certHeader {
		args = append(args, "-cert-header", certHeaderName)
	}
	return args
}

func (s *server) start(o *options, tmp, caPath string) error {
	logFile, err := os.Create(s.logPath)
	if err != nil {
		return fmt.Errorf("creating server log: %w", err)
	}
	defer logFile.Close() // the child process keeps its own descriptor

	addr := s.url[len("http://"):]
	s.cmd = exec.Command(s.bin, serverArgs(o, tmp, addr, caPath, s.apiKey)...)
	s.cmd.Stdout = logFile
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		return fmt.Errorf("connecting server stderr: %w", err)
	}
	if o.mode == "memory" {
		s.cmd.Env = append(os.Environ(), "GODEBUG=gctrace=1")
	}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", s.bin, err)
	}
	logCopy, err := os.OpenFile(s.logPath, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("opening server log: %w", err)
	}
	go s.scanStderr(stderr, logCopy)
	return nil
}

// scanStderr copies the server's stderr to w and remembers the last
// gctrace line.
func (s *server) scanStderr(r io.Reader, w io.WriteCloser) {
	defer close(s.gcDone)
	defer w.Close()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if gcLine.MatchString(line) {
			s.gcMu.Lock()
			s.gcLast = line
			s.gcMu.Unlock()
		}
		fmt.Fprintln(w, line)
	}
}

// serverBinary returns bin, or builds ./cmd/nanomdm into tmp when bin is
// empty.
func serverBinary(ctx context.Context, bin, tmp string) (string, error) {
	if bin != "" {
		return bin, nil
	}
	bin = filepath.Join(tmp, "nanomdm")
	if err := localserver.Build(ctx, bin); err != nil {
		return "", fmt.Errorf("%w; or pass -bin", err)
	}
	return bin, nil
}

// waitReady polls /version for up to 15 seconds.
func (s *server) waitReady(ctx context.Context) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/version", nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("server at %s did not start; see %s", s.url, s.logPath)
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop sends SIGTERM to the server and waits for it to exit, killing it
// after 35 seconds (its graceful shutdown takes at most 30).
func (s *server) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)

	// The stderr scan ends when the server exits, and Wait must come after
	// it, because Wait closes the pipe.
	select {
	case <-s.gcDone:
	case <-time.After(35 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.gcDone
	}
	_ = s.cmd.Wait()
}

// gcLine matches a gctrace line and captures the live heap in MB after
// the collection: "gc 12 @3.4s 1%: ... 40->42->21 MB, ...".
var gcLine = regexp.MustCompile(`^gc \d+ @.* (\d+)->(\d+)->(\d+) MB`)

// liveHeapMB returns the live heap after the last garbage collection the
// server reported, or -1 when it reported none.
func (s *server) liveHeapMB() int {
	s.gcMu.Lock()
	defer s.gcMu.Unlock()
	m := gcLine.FindStringSubmatch(s.gcLast)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[3])
	return n
}
