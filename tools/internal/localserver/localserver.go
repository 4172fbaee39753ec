// Package localserver builds and places the nanomdm server for the
// developer tools that run it on this machine, such as the quickstart and
// the benchmark.
package localserver

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
)

// Build compiles ./cmd/nanomdm to the file bin, with the go tool's output
// on stderr. It must run from the repository root.
func Build(ctx context.Context, bin string) error {
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/nanomdm")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building ./cmd/nanomdm (run from the repository root): %w", err)
	}
	return nil
}

// FreeAddr returns a loopback address with a port no one listens on. Another
// process may take the port before the caller listens on it.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("releasing port: %w", err)
	}
	return addr, nil
}
