package storagetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
)

func testQueueOrderSameSecond(t *testing.T, e *env) {
	dev := e.enroll()
	// Descending UUIDs, so ordering by UUID would reverse them.
	uuids := []string{"ffff", "eeee", "dddd", "cccc", "bbbb", "aaaa", "9999", "0000"}
	var want []string
	for _, prefix := range uuids {
		cmd := newCommand(t)
		cmd.CommandUUID = prefix + cmd.CommandUUID[4:]
		cmd.Raw.Raw = commandPlist(cmd.CommandUUID, "ProfileList")
		e.enqueue(cmd, dev)
		want = append(want, cmd.CommandUUID)
	}
	for _, uuid := range want {
		e.wantNext(dev, false, uuid)
		e.mustReport(dev, uuid, mdm.StatusAcknowledged)
	}
	e.wantNext(dev, false, "")
}

// testQueueLargeHistory answers many commands, then checks that pending
// commands are still found in order.
func testQueueLargeHistory(t *testing.T, e *env, n int) {
	dev := e.enroll()
	for i := range n {
		cmd := newCommand(t)
		e.enqueue(cmd, dev)
		status := mdm.StatusAcknowledged
		if i%3 == 0 {
			e.mustReport(dev, cmd.CommandUUID, mdm.StatusNotNow)
			status = mdm.StatusError
		}
		e.mustReport(dev, cmd.CommandUUID, status)
	}
	a, b := newCommand(t), newCommand(t)
	e.enqueue(a, dev)
	e.enqueue(b, dev)
	e.deferFirst(dev, a, b, mdm.StatusAcknowledged)
}

// testQueueConcurrent runs full command cycles for several devices at
// once, to catch shared state between enrollments. The goroutines report
// with Errorf, because Fatalf must run on the case's own goroutine.
func testQueueConcurrent(t *testing.T, e *env) {
	const devices, commands = 8, 10
	chans := make([]channel, devices)
	for i := range chans {
		chans[i] = e.enroll()
	}
	var wg sync.WaitGroup
	for _, dev := range chans {
		wg.Go(func() {
			for range commands {
				if err := e.cycle(dev); err != nil {
					t.Errorf("command cycle for %s: %v", dev.udid, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, dev := range chans {
		e.wantNext(dev, false, "")
	}
}

// cycle enqueues one command to c, fetches it and acknowledges it.
func (e *env) cycle(c channel) error {
	raw := commandPlist(newCommandUUID(), "ProfileList")
	cmd, err := mdm.DecodeCommand(raw)
	if err != nil {
		return fmt.Errorf("decoding command: %w", err)
	}
	idErrs, err := e.s.EnqueueCommand(e.t.Context(), []string{c.udid}, cmd)
	if err != nil || len(idErrs) > 0 {
		return fmt.Errorf("enqueueing %s: %v %v", cmd.CommandUUID, err, idErrs)
	}
	got, err := e.s.RetrieveNextCommand(e.request(c, nil), false)
	if err != nil {
		return fmt.Errorf("retrieving next command: %w", err)
	}
	if got == nil || got.CommandUUID != cmd.CommandUUID {
		return fmt.Errorf("next command: got %v, want %s", got, cmd.CommandUUID)
	}
	report, err := mdm.DecodeCommandResults(reportPlist(c.udid, "", cmd.CommandUUID, mdm.StatusAcknowledged))
	if err != nil {
		return fmt.Errorf("decoding report: %w", err)
	}
	return e.s.StoreCommandReport(e.request(c, nil), report)
}
