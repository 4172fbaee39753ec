package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/mdmforge/nanomdm/tools/internal/localserver"
)

// server is the nanomdm process the quickstart started.
type server struct {
	cmd    *exec.Cmd
	url    string
	apiKey string
	client *http.Client
}

// startServer builds ./cmd/nanomdm into the quickstart directory, starts
// it on a free loopback port and waits until /version responds.
func startServer(ctx context.Context) (*server, error) {
	bin, err := buildServer(ctx)
	if err != nil {
		return nil, err
	}
	addr, err := localserver.FreeAddr()
	if err != nil {
		return nil, err
	}
	key := make([]byte, 16)
	_, _ = rand.Read(key) // crypto/rand.Read never returns an error
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, fmt.Errorf("creating server log: %w", err)
	}
	defer logFile.Close() // the child process keeps its own descriptor

	s := &server{
		url:    "http://" + addr,
		apiKey: hex.EncodeToString(key),
		client: &http.Client{Timeout: 10 * time.Second},
	}
	s.cmd = exec.Command(bin,
		"-listen", addr,
		"-ca", filepath.Join(dir, "ca.pem"),
		"-api", s.apiKey,
		"-storage", "filekv",
		"-storage-dsn", filepath.Join(dir, "db"),
		"-debug",
	)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	detail("nanomdm is running as PID %d at %s", s.cmd.Process.Pid, s.url)

	if err := s.waitReady(ctx); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// buildServer builds ./cmd/nanomdm into the quickstart directory and
// returns the binary's path.
func buildServer(ctx context.Context) (string, error) {
	bin := filepath.Join(dir, "nanomdm")
	if err := localserver.Build(ctx, bin); err != nil {
		return "", err
	}
	return bin, nil
}

// waitReady polls /version for up to 10 seconds.
func (s *server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/version", nil)
		if err != nil {
			return err
		}
		if resp, err := s.client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("server at %s did not start; see %s", s.url, filepath.Join(dir, "server.log"))
}

// stop sends SIGTERM to the server it started and waits for it to exit,
// killing it after 35 seconds (its graceful shutdown takes at most 30).
func (s *server) stop() {
	step("Stopping nanomdm (PID %d)", s.cmd.Process.Pid)
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		detail("signal failed: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			detail("server exited: %v", err)
			return
		}
		detail("server stopped")
	case <-time.After(35 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
		detail("server did not stop in time and was killed")
	}
}
