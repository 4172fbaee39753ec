package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

// commandFormat is the DeviceInformation command each round trip
// enqueues, with one %s for its CommandUUID.
const commandFormat = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Command</key>
	<dict>
		<key>Queries</key>
		<array>
			<string>UDID</string>
			<string>OSVersion</string>
		</array>
		<key>RequestType</key>
		<string>DeviceInformation</string>
	</dict>
	<key>CommandUUID</key>
	<string>%s</string>
</dict>
</plist>
`

// Request kinds whose latency is reported, in report order.
var kinds = []string{"enqueue", "idle", "ack", "roundtrip"}

// latencies are the durations of one worker's requests, by kind.
type latencies map[string][]time.Duration

// runLoad enrolls the fleet, then runs round trips for the configured
// duration and prints the results.
func runLoad(ctx context.Context, o *options, f *fleet, srv *server) error {
	cpuStart, cpuErr := cpuTime(srv.pid())
	took, err := f.enroll(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("enroll: %d devices in %s = %.1f enrollments/s\n",
		o.devices, took.Round(time.Millisecond), float64(o.devices)/took.Seconds())
	cpuEnrolled, _ := cpuTime(srv.pid())

	runCtx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	start := time.Now()
	all, err := f.roundTrips(runCtx)
	// Requests still in flight at the deadline are cancelled and not
	// counted, so the time after it does not count either.
	elapsed := min(time.Since(start), o.duration)
	if err != nil {
		return err
	}
	cpuEnd, _ := cpuTime(srv.pid())

	n := len(all["roundtrip"])
	fmt.Printf("roundtrips: %d in %s = %.1f round trips/s (concurrency %d, devices %d)\n",
		n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), o.concurrency, o.devices)
	printLatencies(all)
	if cpuErr != nil {
		fmt.Println("server_cpu: not available:", cpuErr)
		return nil
	}
	fmt.Printf("server_cpu_s: enroll=%.2f roundtrip=%.2f\n",
		(cpuEnrolled - cpuStart).Seconds(), (cpuEnd - cpuEnrolled).Seconds())
	if n > 0 {
		fmt.Printf("server_cpu_us_per_roundtrip=%.0f\n", float64((cpuEnd-cpuEnrolled).Microseconds())/float64(n))
	}
	fmt.Printf("throughput_roundtrips_per_s=%.1f\n", float64(n)/elapsed.Seconds())
	return nil
}

// roundTrips runs the workers until ctx ends. Worker w owns the devices
// whose index is w modulo the concurrency, so no device has two commands
// in flight. The first failure stops the run.
func (f *fleet) roundTrips(ctx context.Context) (latencies, error) {
	workers := f.opts.concurrency
	results := make([]latencies, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			results[w], errs[w] = f.worker(ctx, w, workers)
		})
	}
	wg.Wait()

	all := latencies{}
	for _, r := range results {
		for kind, ds := range r {
			all[kind] = append(all[kind], ds...)
		}
	}
	return all, errors.Join(errs...)
}

func (f *fleet) worker(ctx context.Context, first, step int) (latencies, error) {
	lat := latencies{}
	for i := first; ; i += step {
		if i >= len(f.devices) {
			i = first
		}
		err := f.roundTrip(ctx, f.devices[i], lat)
		if ctx.Err() != nil {
			return lat, nil
		}
		if err != nil {
			return lat, fmt.Errorf("device %s: %w", f.devices[i].sim.UDID, err)
		}
	}
}

// roundTrip enqueues a command for d, fetches it with Idle and
// acknowledges it, adding each request's latency to lat. Only complete
// round trips are counted.
func (f *fleet) roundTrip(ctx context.Context, d *device, lat latencies) error {
	uuid, err := newUUID()
	if err != nil {
		return err
	}
	start := time.Now()
	if err := f.enqueue(ctx, d, uuid); err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	enqueued := time.Now()

	body, err := f.send(ctx, d, devicesim.ContentTypeReport, d.idle, d.idleSig)
	if err != nil {
		return fmt.Errorf("sending Idle: %w", err)
	}
	if !bytes.Contains(body, []byte(uuid)) {
		return fmt.Errorf("reply to Idle: got %.200q, want command %s", body, uuid)
	}
	idled := time.Now()

	ack, err := d.sim.ReportMessage("Acknowledged", uuid, nil)
	if err != nil {
		return err
	}
	if body, err = f.send(ctx, d, devicesim.ContentTypeReport, ack, ""); err != nil {
		return fmt.Errorf("sending Acknowledged: %w", err)
	}
	if len(body) > 0 {
		return fmt.Errorf("reply to Acknowledged: got %.200q, want an empty body", body)
	}
	end := time.Now()

	lat["enqueue"] = append(lat["enqueue"], enqueued.Sub(start))
	lat["idle"] = append(lat["idle"], idled.Sub(enqueued))
	lat["ack"] = append(lat["ack"], end.Sub(idled))
	lat["roundtrip"] = append(lat["roundtrip"], end.Sub(start))
	return nil
}

// enqueue queues a new command for d through the API, without a push.
func (f *fleet) enqueue(ctx context.Context, d *device, uuid string) error {
	url := f.srv.url + "/v1/enqueue/" + d.sim.UDID + "?nopush=1"
	body := fmt.Sprintf(commandFormat, uuid)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader([]byte(body)))
	if err != nil {
		return err
	}
	req.SetBasicAuth("nanomdm", f.srv.apiKey)
	_, err = f.do(req)
	return err
}

// printLatencies prints the p50, p99 and maximum of each request kind.
func printLatencies(all latencies) {
	fmt.Printf("%-10s %8s %10s %10s %10s\n", "kind", "count", "p50", "p99", "max")
	for _, kind := range kinds {
		ds := all[kind]
		if len(ds) == 0 {
			continue
		}
		slices.Sort(ds)
		fmt.Printf("%-10s %8d %10s %10s %10s\n", kind, len(ds),
			percentile(ds, 50), percentile(ds, 99), ds[len(ds)-1].Round(time.Microsecond))
	}
}

// percentile returns the p-th percentile of sorted, by the nearest-rank
// method.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100
	return sorted[max(rank-1, 0)].Round(time.Microsecond)
}

// newUUID returns a random uppercase UUID, as Apple tools write them.
func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%X-%X-%X-%X-%X", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
