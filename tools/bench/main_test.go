package main

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name        string
		args        []string
		wantDevices int
		wantErr     string
	}{
		{name: "load defaults", args: nil, wantDevices: 200},
		{name: "memory defaults", args: []string{"-mode", "memory"}, wantDevices: 100000},
		{name: "memory on filekv", args: []string{"-mode", "memory", "-storage", "filekv"}, wantErr: "measures the inmem backend"},
		{name: "unknown mode", args: []string{"-mode", "soak"}, wantErr: `invalid -mode "soak"`},
		{name: "unknown key type", args: []string{"-keytype", "dsa"}, wantErr: `invalid -keytype "dsa"`},
		{name: "pgsql without DSN", args: []string{"-storage", "pgsql"}, wantErr: "needs -storage-dsn"},
		{name: "no devices", args: []string{"-devices", "-1"}, wantErr: "must be at least 1"},
		{name: "extra argument", args: []string{"inmem"}, wantErr: `unexpected argument "inmem"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseFlags(tc.args)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if o.devices != tc.wantDevices {
				t.Errorf("got %d devices, want %d", o.devices, tc.wantDevices)
			}
		})
	}
}

func TestConcurrencyCappedByDevices(t *testing.T) {
	o, err := parseFlags([]string{"-devices", "4", "-concurrency", "16"})
	if err != nil {
		t.Fatal(err)
	}
	if o.concurrency != 4 {
		t.Errorf("got concurrency %d, want 4", o.concurrency)
	}
}

func TestPercentile(t *testing.T) {
	sorted := make([]time.Duration, 100)
	for i := range sorted {
		sorted[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name   string
		values []time.Duration
		p      int
		want   time.Duration
	}{
		{name: "median of 100", values: sorted, p: 50, want: 50 * time.Millisecond},
		{name: "p99 of 100", values: sorted, p: 99, want: 99 * time.Millisecond},
		{name: "p99 of one", values: sorted[:1], p: 99, want: time.Millisecond},
		{name: "p50 of two", values: sorted[:2], p: 50, want: time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentile(tc.values, tc.p); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestProcReadsOwnProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux only")
	}
	if _, err := cpuTime(os.Getpid()); err != nil {
		t.Errorf("cpuTime: got error %v, want none", err)
	}
	rss, peak, err := memoryKB(os.Getpid())
	if err != nil {
		t.Fatalf("memoryKB: got error %v, want none", err)
	}
	if rss <= 0 || peak < rss {
		t.Errorf("got rss %d KiB and peak %d KiB, want 0 < rss <= peak", rss, peak)
	}
}

func TestGCLineLiveHeap(t *testing.T) {
	s := &server{gcLast: "gc 7 @1.204s 2%: 0.031+1.2+0.004 ms clock, 0.062+0.5/1.1/0+0.009 ms cpu, 41->43->22 MB, 44 MB goal, 0 MB stacks, 0 MB globals, 2 P"}
	if got := s.liveHeapMB(); got != 22 {
		t.Errorf("got live heap %d MB, want 22", got)
	}
	s.gcLast = ""
	if got := s.liveHeapMB(); got != -1 {
		t.Errorf("got live heap %d MB without a gctrace line, want -1", got)
	}
}
