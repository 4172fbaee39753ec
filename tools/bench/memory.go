package main

import (
	"context"
	"fmt"
	"time"
)

// settle is how long the memory benchmark waits after enrolling, so that
// the server's garbage collector has run on the final heap. Go forces a
// collection at least every two minutes, but a heap that grew during
// enrollment has normally been collected well before.
const settle = 5 * time.Second

// runMemory enrolls the fleet and prints the server's memory.
func runMemory(ctx context.Context, f *fleet, srv *server) error {
	took, err := f.enroll(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("enroll: %d devices in %s = %.1f enrollments/s\n",
		len(f.devices), took.Round(time.Second), float64(len(f.devices))/took.Seconds())

	select {
	case <-time.After(settle):
	case <-ctx.Done():
		return ctx.Err()
	}
	rss, peak, err := memoryKB(srv.pid())
	if err != nil {
		fmt.Println("server memory: not available:", err)
	} else {
		fmt.Printf("server_rss_mib=%.1f server_peak_rss_mib=%.1f\n", float64(rss)/1024, float64(peak)/1024)
	}
	if heap := srv.liveHeapMB(); heap >= 0 {
		fmt.Printf("server_live_heap_mb=%d (after the last garbage collection, from GODEBUG=gctrace=1)\n", heap)
	}
	return nil
}
