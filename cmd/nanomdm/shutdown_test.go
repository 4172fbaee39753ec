package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

// freePort returns a loopback address that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestShutdownDrainsWebhooks(t *testing.T) {
	t.Parallel()
	var delivered atomic.Int32
	hook := newRecorder(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		delivered.Add(1)
	})
	hookServer := newLoopbackServer(t, hook)

	dir := t.TempDir()
	ca, caPath := newTestCA(t, dir)
	addr := freePort(t)
	cfg := &config{}
	argv := []string{"nanomdm", "-ca", caPath, "-listen", addr, "-webhook-url", hookServer,
		"-storage", "filekv", "-storage-dsn", filepath.Join(dir, "db")}
	if err := parseFlags(cfg, argv, envFrom(nil), &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	s, err := newServer(cfg, testLogger(t), dependencies{stdout: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.run(ctx)
		close(done)
	}()

	id, err := ca.NewIdentity(devicesim.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := devicesim.NewDevice(id, "http://"+addr+"/mdm")
	if err != nil {
		t.Fatal(err)
	}
	waitListening(t, addr)
	resp, err := dev.Authenticate(t.Context())
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("Authenticate: got %v, %v; want 200", resp, err)
	}

	// The webhook is still being delivered when shutdown starts.
	cancel()
	<-done
	if got := delivered.Load(); got != 1 {
		t.Errorf("got %d webhooks delivered before shutdown finished, want 1", got)
	}
}

// waitListening waits up to five seconds for addr to accept connections.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if conn, err := net.Dial("tcp", addr); err == nil {
			conn.Close()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s after 5s", addr)
}
