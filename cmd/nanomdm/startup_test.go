package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

// writeCA writes a fresh CA certificate to dir and returns its path.
func writeCA(t *testing.T, dir string) string {
	t.Helper()
	ca, err := devicesim.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(path, ca.PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestStartupErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := writeCA(t, dir)
	empty := filepath.Join(dir, "empty.pem")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(junk, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	inmem := []string{"-storage", "inmem", "-storage-dsn", ""}

	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "empty CA", args: []string{"-ca", empty}, want: "could not append root CA(s)"},
		{name: "junk intermediate", args: []string{"-ca", ca, "-intermediate", junk}, want: "could not append intermediate CA(s)"},
		{name: "missing intermediate", args: []string{"-ca", ca, "-intermediate", filepath.Join(dir, "nope.pem")}, want: "no such file or directory"},
		{name: "storage without DSN", args: []string{"-ca", ca, "-storage", "inmem"}, want: "must have same number of storage and DSN flags"},
		{name: "unknown storage", args: []string{"-ca", ca, "-storage", "nope", "-storage-dsn", ""}, want: "unknown storage: nope"},
		{name: "bad DM URL", args: append([]string{"-ca", ca, "-dm", "http://[::1"}, inmem...), want: `parse "http://[::1": missing ']' in host`},
		{name: "bad auth proxy URL", args: append([]string{"-ca", ca, "-auth-proxy-url", "http://[::1"}, inmem...), want: "missing ']' in host"},
		{name: "body limit zero", args: append([]string{"-ca", ca, "-max-body-bytes", "0"}, inmem...), want: "invalid -max-body-bytes 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			code := run(context.Background(), append([]string{"nanomdm"}, tt.args...), envFrom(nil), &bytes.Buffer{}, &stderr)
			if code != 1 {
				t.Errorf("got exit code %d, want 1", code)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), tt.want)
			}
		})
	}
}

func TestAuthProxyURLIgnoredWithoutMDM(t *testing.T) {
	t.Parallel()
	cfg := &config{}
	argv := []string{"nanomdm", "-ca", writeCA(t, t.TempDir()), "-api", "k", "-disable-mdm",
		"-auth-proxy-url", "http://[::1", "-storage", "inmem", "-storage-dsn", ""}
	if err := parseFlags(cfg, argv, envFrom(nil), &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	s, err := newServer(cfg, testLogger(t), dependencies{stdout: &bytes.Buffer{}})
	if err != nil {
		t.Fatalf("got error %v, want the URL left unchecked with -disable-mdm", err)
	}
	s.close(t.Context())
}

func TestListenFailureExitsZero(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	var stderr bytes.Buffer
	argv := []string{"nanomdm", "-ca", writeCA(t, t.TempDir()), "-listen", ln.Addr().String(), "-storage", "inmem", "-storage-dsn", ""}
	code := run(context.Background(), argv, envFrom(nil), &bytes.Buffer{}, &stderr)
	if code != 0 {
		t.Errorf("got exit code %d, want 0 as NanoMDM exits", code)
	}
	for _, want := range []string{"msg=\"starting server\"", "msg=\"server shutdown\"", "address already in use"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr %q does not contain %q", stderr.String(), want)
		}
	}
}

func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	argv := []string{"nanomdm", "-ca", writeCA(t, t.TempDir()), "-listen", "127.0.0.1:0",
		"-storage", "filekv", "-storage-dsn", filepath.Join(t.TempDir(), "db")}
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, argv, envFrom(nil), &bytes.Buffer{}, &stderr) }()

	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(stderr.String(), "starting server") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("got exit code %d, want 0", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop within 10s of cancellation")
	}
	if !strings.Contains(stderr.String(), "server shutdown") {
		t.Errorf("stderr %q has no shutdown line", stderr.String())
	}
}
