// Command quickstart shows nanomdm working end to end on one machine. It
// makes a throwaway CA and device identity under ./quickstart/, then
// builds and starts the server on 127.0.0.1 with the filekv backend and
// uploads a stand-in push certificate. A simulated Mac enrolls with a check-in captured from a real device,
// fetches a queued command and acknowledges it. Then the server stops.
//
// Run it from the repository root with `make quickstart` or
// `go run ./tools/quickstart`. Nothing is sent to Apple: the command is
// queued without a push and the device collects it when it polls.
package main

import (
	"context"
	"fmt"
	"os"
	"time"
)

// dir is the output directory of the quickstart, relative to the working
// directory. Each run starts it afresh.
const dir = "quickstart"

// timeout bounds the whole run, including building the server.
const timeout = 3 * time.Minute

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart failed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("removing old %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}

	step("Making a throwaway CA and device identity in ./%s", dir)
	p, err := newPKI()
	if err != nil {
		return err
	}

	step("Building and starting nanomdm on 127.0.0.1 (log: ./%s/server.log)", dir)
	srv, err := startServer(ctx)
	if err != nil {
		return err
	}
	err = tour(ctx, srv, p)
	srv.stop()
	if err != nil {
		return err
	}
	step("Done. The server log is ./%s/server.log and its data is in ./%s/db", dir, dir)
	return nil
}

// step prints the heading of one step of the tour.
func step(format string, args ...any) {
	fmt.Printf("\n==> "+format+"\n", args...)
}

// detail prints an indented line under a step.
func detail(format string, args ...any) {
	fmt.Printf("    "+format+"\n", args...)
}
