// Command bench measures nanomdm on one machine. It builds ./cmd/nanomdm
// (or takes -bin), starts it on 127.0.0.1 with a throwaway CA, drives it
// with simulated devices from mdm/devicesim and prints the results.
//
// Mode "load" (the default) enrolls -devices devices, then runs command
// round trips for -duration with -concurrency workers. One round trip is
// an API enqueue without a push, the device's Idle that must receive the
// command and its Acknowledged that must receive an empty body. It
// prints round trips per second, latency percentiles and the server's CPU
// time per round trip.
//
// Mode "memory" enrolls -devices devices (100,000 unless set) on the
// inmem backend and prints the server's resident memory and its live heap
// after the last garbage collection.
//
// Run it from the repository root:
//
//	go run ./tools/bench -storage inmem -duration 20s
//	go run ./tools/bench -storage filekv
//	go run ./tools/bench -storage pgsql -storage-dsn 'postgres://...' -storage-options create_schema=1
//	go run ./tools/bench -mode memory
//
// The load generator runs on the same machine and takes CPU time too, so
// compare runs made on the same machine, and prefer the CPU time per round
// trip to the rate when the machine is busy. Server CPU time and memory
// come from /proc, so they are printed on Linux only.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"
)

// options are the parsed command-line flags.
type options struct {
	mode           string
	bin            string
	storage        string
	dsn            string
	storageOptions string
	devices        int
	concurrency    int
	duration       time.Duration
	keyType        string
	presignIdle    bool
	certHeader     bool
}

func main() {
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&o.mode, "mode", "load", `"load" for command round trips or "memory" for the memory of enrolled devices`)
	fs.StringVar(&o.bin, "bin", "", "nanomdm binary to run; empty builds ./cmd/nanomdm into a temporary directory")
	fs.StringVar(&o.storage, "storage", "inmem", "storage backend: inmem, filekv, pgsql or mysql")
	fs.StringVar(&o.dsn, "storage-dsn", "", "data source name of the backend; empty gives filekv a temporary directory")
	fs.StringVar(&o.storageOptions, "storage-options", "", "storage options passed to the server, e.g. create_schema=1")
	fs.IntVar(&o.devices, "devices", 0, "number of devices to enroll (default 200, or 100000 in memory mode)")
	fs.IntVar(&o.concurrency, "concurrency", 16, "number of concurrent workers")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of the round-trip phase")
	fs.StringVar(&o.keyType, "keytype", "ec", `device key type: "ec" (P-256, cheap to sign) or "rsa" (2048-bit, as SCEP issues)`)
	fs.BoolVar(&o.presignIdle, "presign-idle", true, "sign each device's Idle report once and send it again, as mdmprobe does")
	fs.BoolVar(&o.certHeader, "cert-header", false, "send the device certificate in a proxy header instead of signing bodies")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return o, o.validate()
}

// validate checks the flags and fills in the defaults that depend on the
// mode.
func (o *options) validate() error {
	switch o.mode {
	case "load":
		if o.devices == 0 {
			o.devices = 200
		}
	case "memory":
		if o.devices == 0 {
			o.devices = 100000
		}
		if o.storage != "inmem" {
			return fmt.Errorf("memory mode measures the inmem backend, got -storage %q", o.storage)
		}
	default:
		return fmt.Errorf(`invalid -mode %q: want "load" or "memory"`, o.mode)
	}
	if o.keyType != "ec" && o.keyType != "rsa" {
		return fmt.Errorf(`invalid -keytype %q: want "ec" or "rsa"`, o.keyType)
	}
	if o.devices < 1 || o.concurrency < 1 {
		return fmt.Errorf("-devices and -concurrency must be at least 1, got %d and %d", o.devices, o.concurrency)
	}
	if o.concurrency > o.devices {
		o.concurrency = o.devices
	}
	if (o.storage == "pgsql" || o.storage == "mysql") && o.dsn == "" {
		return fmt.Errorf("-storage %s needs -storage-dsn", o.storage)
	}
	return nil
}

func run(ctx context.Context, o *options) error {
	tmp, err := os.MkdirTemp("", "nanomdm-bench-")
	if err != nil {
		return fmt.Errorf("creating temporary directory: %w", err)
	}
	defer os.RemoveAll(tmp)

	fleet, err := newFleet(o, tmp)
	if err != nil {
		return err
	}
	srv, err := startServer(ctx, o, tmp, fleet.caPEM)
	if err != nil {
		return err
	}
	defer srv.stop()
	fleet.connect(srv)
	fmt.Printf("server: %s, storage %s, pid %d, log %s\n", srv.bin, o.storage, srv.pid(), srv.logPath)

	if o.mode == "memory" {
		return runMemory(ctx, fleet, srv)
	}
	return runLoad(ctx, o, fleet, srv)
}
