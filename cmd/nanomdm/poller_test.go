package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

// Poller limits.
const (
	// pollPause is the wait between command sessions while a device
	// still expects commands.
	pollPause = 5 * time.Millisecond
	// maxServerErrors is how many 5xx responses a poller that retries
	// them accepts before it gives up.
	maxServerErrors = 200
)

// poller runs command sessions for one device as the device would, with
// each request going to the next node of the fleet, and checks every reply
// against the device's plan. A reply to Idle or to a final report must be
// the earliest command sent before and not yet acknowledged, or else the
// next planned command. A reply to NotNow passes over commands whose last
// report was NotNow. So every planned command arrives first in enqueue
// order and never again after it is acknowledged.
type poller struct {
	f    *fleet
	dev  *devicesim.Device
	plan []string

	index map[string]int
	// next is the index in plan of the first command not sent yet.
	next    int
	acked   map[string]bool
	notNow  map[string]bool
	request int

	// retryServerErrors makes the poller repeat a request that got a 5xx,
	// as a device retries later, instead of failing.
	retryServerErrors bool
	// serverErrors counts the 5xx responses that were retried.
	serverErrors int
}

// newPoller returns a poller for d whose first request goes to node
// first.
func (f *fleet) newPoller(d *devicesim.Device, plan []string, first int) *poller {
	p := &poller{
		f: f, dev: d, plan: plan, request: first,
		index:  make(map[string]int, len(plan)),
		acked:  make(map[string]bool, len(plan)),
		notNow: make(map[string]bool),
	}
	for i, uuid := range plan {
		p.index[uuid] = i
	}
	return p
}

// done reports whether every planned command was acknowledged.
func (p *poller) done() bool {
	return len(p.acked) == len(p.plan)
}

// run repeats command sessions until every planned command is
// acknowledged, then checks that every node has nothing more to send.
func (p *poller) run(ctx context.Context) error {
	for !p.done() {
		if err := p.session(ctx); err != nil {
			return err
		}
		if p.done() {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d commands acknowledged: %w", len(p.acked), len(p.plan), ctx.Err())
		case <-time.After(pollPause):
		}
	}
	for range p.f.nodes {
		resp, err := p.send(ctx, p.dev.ReportIdle)
		if err != nil {
			return err
		}
		if len(resp.Body) != 0 {
			return fmt.Errorf("Idle after every command was acknowledged: got body %q, want none", resp.Body)
		}
	}
	return nil
}

// session sends Idle and reports on each command until a reply has none.
// The device reports NotNow the first time every third planned command
// arrives, and Acknowledged for everything else.
func (p *poller) session(ctx context.Context) error {
	resp, err := p.send(ctx, p.dev.ReportIdle)
	afterNotNow := false
	for {
		if err != nil {
			return err
		}
		// A new name, so the report's error below reaches the next check.
		var uuid string
		cmd, decodeErr := resp.Command()
		switch {
		case decodeErr == nil:
			uuid = cmd.CommandUUID
		case !errors.Is(decodeErr, devicesim.ErrNoCommand):
			return decodeErr
		}
		if err := p.check(uuid, afterNotNow); err != nil {
			return err
		}
		if uuid == "" {
			return nil
		}

		afterNotNow = !p.notNow[uuid] && p.index[uuid]%3 == 1
		if afterNotNow {
			p.notNow[uuid] = true
			resp, err = p.send(ctx, func(ctx context.Context) (*devicesim.Response, error) {
				return p.dev.ReportNotNow(ctx, uuid)
			})
			continue
		}
		p.acked[uuid] = true
		resp, err = p.send(ctx, func(ctx context.Context) (*devicesim.Response, error) {
			return p.dev.ReportAcknowledged(ctx, uuid, nil)
		})
	}
}

// check compares the command of a reply, "" for none, with the one the
// plan expects, and moves past it.
func (p *poller) check(uuid string, afterNotNow bool) error {
	if want := p.pendingHead(afterNotNow); want != "" {
		if uuid != want {
			return fmt.Errorf("got command %q, want %s: it was sent before and is not acknowledged (queued %d of %d)",
				uuid, want, p.index[want]+1, len(p.plan))
		}
		return nil
	}
	switch {
	case uuid == "":
		return nil
	case p.next < len(p.plan) && uuid == p.plan[p.next]:
		p.next++
		return nil
	case p.acked[uuid]:
		return fmt.Errorf("got command %s again after acknowledging it", uuid)
	case p.notNow[uuid]:
		return fmt.Errorf("got command %s in reply to NotNow, which skips it", uuid)
	}
	if _, planned := p.index[uuid]; !planned {
		return fmt.Errorf("got command %s, which was not queued for this device", uuid)
	}
	return fmt.Errorf("got command %s (queued %d of %d) first, want %s (queued %d)",
		uuid, p.index[uuid]+1, len(p.plan), p.plan[p.next], p.next+1)
}

// pendingHead returns the earliest command sent before and not
// acknowledged, passing over NotNow ones when afterNotNow is set, or "".
func (p *poller) pendingHead(afterNotNow bool) string {
	for _, uuid := range p.plan[:p.next] {
		if !p.acked[uuid] && !(afterNotNow && p.notNow[uuid]) {
			return uuid
		}
	}
	return ""
}

// send sends one request to the next node and returns its 200 response.
// A 5xx is retried on the following node when retryServerErrors is set;
// any other status is an error.
func (p *poller) send(ctx context.Context, request func(context.Context) (*devicesim.Response, error)) (*devicesim.Response, error) {
	for {
		p.f.use(p.dev, p.request)
		p.request++
		resp, err := request(ctx)
		if err != nil {
			return nil, err
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			return resp, nil
		case resp.StatusCode < 500 || !p.retryServerErrors:
			return nil, fmt.Errorf("got status %d and body %q, want 200", resp.StatusCode, resp.Body)
		case p.serverErrors == maxServerErrors:
			return nil, fmt.Errorf("got status %d %d times; the server did not recover", resp.StatusCode, maxServerErrors)
		}
		p.serverErrors++
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pollPause):
		}
	}
}
