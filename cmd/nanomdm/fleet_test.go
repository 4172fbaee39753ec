package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

// node is one running server as devices and API clients reach it.
type node struct {
	url    string
	client *http.Client
}

// fleet is a set of servers that share one database and trust one device
// CA, so a device may talk to any of them.
type fleet struct {
	t     testing.TB
	ca    *devicesim.CA
	nodes []node

	// prefix keeps command UUIDs unique across runs on one database.
	prefix string
	seq    atomic.Int64
}

func newFleet(t testing.TB, ca *devicesim.CA, nodes ...node) *fleet {
	t.Helper()
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	return &fleet{t: t, ca: ca, nodes: nodes, prefix: "FLEET-" + strings.ToUpper(hex.EncodeToString(suffix))}
}

// harnessNode returns the node of a harness server.
func harnessNode(h *harness) node {
	return node{url: h.http.URL, client: h.http.Client()}
}

// newInProcessFleet starts n harness servers on b, all trusting one CA.
func newInProcessFleet(t *testing.T, b backend, n int, args ...string) *fleet {
	t.Helper()
	ca, err := devicesim.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	nodes := make([]node, n)
	for i := range nodes {
		nodes[i] = harnessNode(newHarnessCA(t, b, ca, args...))
	}
	return newFleet(t, ca, nodes...)
}

// command returns a fresh CommandUUID and its raw command. UUIDs count
// down, so delivery in UUID order instead of enqueue order fails.
func (f *fleet) command(requestType string) (string, []byte) {
	uuid := fmt.Sprintf("%s-%06d", f.prefix, 999999-f.seq.Add(1))
	return uuid, commandPlist(requestType, uuid)
}

// use points the device at node i, counted modulo the number of nodes.
func (f *fleet) use(d *devicesim.Device, i int) {
	n := f.nodes[i%len(f.nodes)]
	d.ServerURL, d.Client = n.url+"/mdm", n.client
}

// enroll enrolls n new devices, one after another. Device i sends
// Authenticate to node i and TokenUpdate to node i/2, so some devices
// enroll across two servers.
func (f *fleet) enroll(ctx context.Context, n int) []*devicesim.Device {
	f.t.Helper()
	devices := f.newDevices(n)
	for i, d := range devices {
		if err := f.enrollOne(ctx, d, i); err != nil {
			f.t.Fatalf("device %d: %v", i, err)
		}
	}
	return devices
}

// enrollConcurrently is enroll with every device enrolling at once.
func (f *fleet) enrollConcurrently(ctx context.Context, n int) []*devicesim.Device {
	f.t.Helper()
	devices := f.newDevices(n)
	var wg sync.WaitGroup
	for i, d := range devices {
		wg.Go(func() {
			if err := f.enrollOne(ctx, d, i); err != nil {
				f.t.Errorf("device %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if f.t.Failed() {
		f.t.FailNow()
	}
	return devices
}

// newDevices returns n devices with identities from the fleet's CA.
func (f *fleet) newDevices(n int) []*devicesim.Device {
	f.t.Helper()
	devices := make([]*devicesim.Device, n)
	for i := range devices {
		id, err := f.ca.NewIdentity(devicesim.ECDSAP256)
		if err != nil {
			f.t.Fatal(err)
		}
		if devices[i], err = devicesim.NewDevice(id, ""); err != nil {
			f.t.Fatal(err)
		}
	}
	return devices
}

// enrollOne sends Authenticate to node i and TokenUpdate to node i/2.
func (f *fleet) enrollOne(ctx context.Context, d *devicesim.Device, i int) error {
	f.use(d, i)
	if err := expectEmpty("Authenticate")(d.Authenticate(ctx)); err != nil {
		return err
	}
	f.use(d, i/2)
	return expectEmpty("TokenUpdate")(d.TokenUpdate(ctx))
}

// expectEmpty returns a check that a device request got an empty 200.
func expectEmpty(request string) func(*devicesim.Response, error) error {
	return func(resp *devicesim.Response, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", request, err)
		}
		if resp.StatusCode != http.StatusOK || len(resp.Body) != 0 {
			return fmt.Errorf("%s: got status %d and body %q, want an empty 200", request, resp.StatusCode, resp.Body)
		}
		return nil
	}
}

// enqueueOp is one enqueue API call: a command for one or more devices,
// sent to one node.
type enqueueOp struct {
	node int
	ids  []string
	uuid string
	raw  []byte
}

// planCommands splits devices into groups and returns, for each group, the
// enqueue calls to make in order, and for each device ID the CommandUUIDs
// it must receive in that order. Each group gets a command for all of its
// devices, three for each device alone, one for every second device and
// two more for each device alone. Consecutive calls go to consecutive
// nodes, so the calls for one device reach different servers, most of
// them within one second.
func (f *fleet) planCommands(devices []*devicesim.Device, groups int) ([][]enqueueOp, map[string][]string) {
	ops := make([][]enqueueOp, groups)
	plans := make(map[string][]string, len(devices))
	add := func(g int, requestType string, ids ...string) {
		uuid, raw := f.command(requestType)
		ops[g] = append(ops[g], enqueueOp{node: g + len(ops[g]), ids: ids, uuid: uuid, raw: raw})
		for _, id := range ids {
			plans[id] = append(plans[id], uuid)
		}
	}
	for g := range groups {
		var ids []string
		for i := g; i < len(devices); i += groups {
			ids = append(ids, devices[i].UDID)
		}
		add(g, "ProfileList", ids...)
		for range 3 {
			for _, id := range ids {
				add(g, "DeviceInformation", id)
			}
		}
		var half []string
		for i := 0; i < len(ids); i += 2 {
			half = append(half, ids[i])
		}
		add(g, "SecurityInfo", half...)
		for range 2 {
			for _, id := range ids {
				add(g, "CertificateList", id)
			}
		}
	}
	return ops, plans
}

// runOps makes the enqueue calls of ops in order and fails on the first
// status other than 200.
func (f *fleet) runOps(ctx context.Context, ops []enqueueOp) error {
	for _, op := range ops {
		status, body, err := f.enqueue(ctx, op.node, op.ids, op.raw)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return fmt.Errorf("enqueue %s for %d devices: got status %d: %s, want 200", op.uuid, len(op.ids), status, body)
		}
	}
	return nil
}

// enqueue queues raw for ids through node i without a push and returns
// the status and body.
func (f *fleet) enqueue(ctx context.Context, i int, ids []string, raw []byte) (int, string, error) {
	n := f.nodes[i%len(f.nodes)]
	url := n.url + "/v1/enqueue/" + strings.Join(ids, ",") + "?nopush=1"
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(raw))
	if err != nil {
		return 0, "", err
	}
	req.SetBasicAuth("nanomdm", testAPIKey)
	resp, err := n.client.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("enqueue through %s: %w", n.url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", fmt.Errorf("enqueue through %s: reading response: %w", n.url, err)
	}
	return resp.StatusCode, string(body), nil
}

// queue queues the planned commands for devices, in one group, and
// returns a poller for each device that retries 5xx responses.
func (f *fleet) queue(ctx context.Context, devices []*devicesim.Device) []*poller {
	f.t.Helper()
	ops, plans := f.planCommands(devices, 1)
	if err := f.runOps(ctx, ops[0]); err != nil {
		f.t.Fatal(err)
	}
	pollers := make([]*poller, len(devices))
	for i, d := range devices {
		pollers[i] = f.newPoller(d, plans[d.UDID], i)
		pollers[i].retryServerErrors = true
	}
	return pollers
}

// deliver queues the planned commands and has every device collect them.
// Unless concurrent is set, all commands are queued first and then the
// devices poll one at a time. With it, the groups enqueue while every
// device polls.
func (f *fleet) deliver(ctx context.Context, devices []*devicesim.Device, groups int, concurrent bool) []*poller {
	f.t.Helper()
	ops, plans := f.planCommands(devices, groups)
	pollers := make([]*poller, len(devices))
	for i, d := range devices {
		pollers[i] = f.newPoller(d, plans[d.UDID], i)
	}

	var wg sync.WaitGroup
	for _, groupOps := range ops {
		wg.Go(func() {
			if err := f.runOps(ctx, groupOps); err != nil {
				f.t.Errorf("enqueueing: %v", err)
			}
		})
	}
	if !concurrent {
		wg.Wait()
	}
	for _, p := range pollers {
		poll := func() {
			if err := p.run(ctx); err != nil {
				f.t.Errorf("device %s: %v", p.dev.UDID, err)
			}
		}
		if concurrent {
			wg.Go(poll)
		} else {
			poll()
		}
	}
	wg.Wait()
	return pollers
}
