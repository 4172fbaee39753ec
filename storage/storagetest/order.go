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

// cycle runs one command cycle for c the way a device drives it: enqueue
// a command, report Idle and get it, acknowledge it and get nothing.
func (e *env) cycle(c channel) error {
	cmd := quickCommand()
	idErrs, err := e.s.EnqueueCommand(e.t.Context(), []string{c.id().ID}, cmd)
	if err != nil || len(idErrs) > 0 {
		return fmt.Errorf("enqueueing %s: %v %v", cmd.CommandUUID, err, idErrs)
	}
	if err := e.reportAndNext(c, "", mdm.StatusIdle, cmd.CommandUUID); err != nil {
		return err
	}
	return e.reportAndNext(c, cmd.CommandUUID, mdm.StatusAcknowledged, "")
}

// reportAndNext stores a report from c and checks that the next command
// is want ("" for none).
func (e *env) reportAndNext(c channel, uuid, status, want string) error {
	report := &mdm.CommandResults{
		Enrollment:  mdm.Enrollment{UDID: c.udid, UserID: c.userID},
		CommandUUID: uuid,
		Status:      status,
		Raw:         mdm.Raw{Raw: reportPlist(c, uuid, status)},
	}
	if err := e.s.StoreCommandReport(e.request(c, nil), report); err != nil {
		return fmt.Errorf("storing %s report: %w", status, err)
	}
	got, err := e.s.RetrieveNextCommand(e.request(c, nil), false)
	if err != nil {
		return fmt.Errorf("retrieving next command: %w", err)
	}
	if gotUUID := commandUUID(got); gotUUID != want {
		return fmt.Errorf("next command after %s: got %q, want %q", status, gotUUID, want)
	}
	return nil
}

// quickCommand returns a fresh command built without decoding its plist,
// to keep the cost of the suite itself out of benchmarks.
func quickCommand() *mdm.Command {
	uuid := newCommandUUID()
	return &mdm.Command{
		CommandUUID: uuid,
		Command:     mdm.CommandPayload{RequestType: "ProfileList"},
		Raw:         mdm.Raw{Raw: commandPlist(uuid, "ProfileList")},
	}
}

// commandUUID returns the UUID of cmd, or "" for nil.
func commandUUID(cmd *mdm.Command) string {
	if cmd == nil {
		return ""
	}
	return cmd.CommandUUID
}
