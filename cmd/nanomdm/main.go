//go:debug httpmuxgo121=1

// Command nanomdm is an Apple MDM server, a drop-in replacement for
// NanoMDM v0.9.x: the same flags, environment variables, routes and
// storage formats. Run it with -h for the flags.
//
// The binary uses the ServeMux of Go 1.21 and earlier, as NanoMDM does:
// its redirects to a prefix route's slash form and to a cleaned path are
// 301, where later versions send 307.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	stdlog "log"
	"os"
	"os/signal"
	"syscall"

	"github.com/mdmforge/nanomdm/log"
)

// version is set at link time with -ldflags "-X main.version=...".
var version = "unknown"

func main() {
	os.Exit(run(context.Background(), os.Args, os.LookupEnv, os.Stdout, os.Stderr))
}

// run starts the server and returns the exit status: 0 after -h, -version
// or a shutdown, 2 for a rejected command line and 1 when start-up fails.
// Requests go to the server until ctx ends or SIGINT or SIGTERM arrives.
func run(ctx context.Context, argv []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) int {
	var cfg config
	if err := parseFlags(&cfg, argv, lookupEnv, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if cfg.version {
		fmt.Fprintln(stdout, version)
		return 0
	}

	// Start-up failures print one line in the standard log format, as
	// NanoMDM does, not a structured line.
	fatal := stdlog.New(stderr, "", stdlog.LstdFlags)
	logger := log.New(stderr, cfg.debug)
	srv, err := newServer(&cfg, logger, dependencies{stdout: stdout})
	if err != nil {
		fatal.Print(err)
		return 1
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv.run(ctx)
	return 0
}
