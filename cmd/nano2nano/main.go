// Command nano2nano copies enrollments from a storage backend into a
// running server through its /migration endpoint. It reads the migration
// check-in stream of the backend named by -storage, -storage-dsn and
// -storage-options (the server's syntax, without -dsn and without
// environment variables) and sends each Authenticate, TokenUpdate and
// SetBootstrapToken to -url with the API key as the HTTP Basic password.
// Without -url or -key it only lists what it would send.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	stdlog "log"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mdmforge/nanomdm/cmd/internal/cli"
	"github.com/mdmforge/nanomdm/log"
)

// version is set at link time with -ldflags "-X main.version=...".
var version = "unknown"

// requestTimeout bounds each request to the migration endpoint, so a
// server that stops responding does not stall the run.
const requestTimeout = 30 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, &http.Client{Timeout: requestTimeout})
	stop()
	os.Exit(code)
}

// config is the parsed command line.
type config struct {
	storage cli.StorageFlags
	url     string
	key     string
	debug   bool
	version bool
}

// parseFlags parses args into a config. Errors and -h output go to
// stderr; a -h request returns [flag.ErrHelp].
func parseFlags(args []string, stderr io.Writer) (*config, error) {
	cfg := new(config)
	fs := flag.NewFlagSet("nano2nano", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.storage.Register(fs)
	fs.StringVar(&cfg.url, "url", "", "URL of the server's /migration endpoint; without it nothing is sent")
	fs.StringVar(&cfg.key, "key", "", "API key of the server; without it nothing is sent")
	fs.BoolVar(&cfg.debug, "debug", false, "log debug lines")
	fs.BoolVar(&cfg.version, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return cfg, nil
}

// checkURL reports an error unless raw is an absolute http or https URL.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid -url %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("invalid -url %q: want an http or https URL with a host", raw)
	}
	return nil
}

// run migrates and returns the exit status: 0 when every check-in was
// sent (or listed), 1 when start-up failed or any check-in could not be
// read or sent, and 2 for a rejected command line (0 after -h).
//
// NOTE(parity): NanoMDM's nano2nano exits 0 even when check-ins failed;
// it still carries on after each failure here, but ends with status 1.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, client *http.Client) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	if cfg.version {
		fmt.Fprintln(stdout, version)
		return 0
	}

	// Start-up failures print one line in the standard log format, as
	// NanoMDM does.
	fatal := stdlog.New(stderr, "", stdlog.LstdFlags)
	logger := log.New(stderr, cfg.debug)
	m := &migrator{logger: logger, stdout: stdout}
	if cfg.url == "" || cfg.key == "" {
		logger.Info("URL or API key not set; not sending server requests")
	} else {
		if err := checkURL(cfg.url); err != nil {
			fatal.Print(err)
			return 1
		}
		m.sender = &sender{client: client, url: cfg.url, key: cfg.key}
	}

	store, err := cfg.storage.Open(logger)
	if err != nil {
		fatal.Print(err)
		return 1
	}
	defer func() { _ = cli.Close(store) }() // nothing was written through it

	if !m.migrate(ctx, store) {
		return 1
	}
	return 0
}
