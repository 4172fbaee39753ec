package storagetest

import (
	"errors"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

func testQueueFIFO(t *testing.T, e *env) {
	dev := e.enroll()
	e.wantNext(dev, false, "")
	a, b := newCommand(t), newCommand(t)
	e.enqueue(a, dev)
	e.enqueue(b, dev)

	e.mustReport(dev, "", mdm.StatusIdle)
	e.wantNext(dev, false, a.CommandUUID)
	// Asking again without a report returns the same command.
	e.wantNext(dev, false, a.CommandUUID)
	e.mustReport(dev, a.CommandUUID, mdm.StatusAcknowledged)
	e.wantNext(dev, false, b.CommandUUID)
	e.mustReport(dev, b.CommandUUID, mdm.StatusCommandFormatError)
	e.wantNext(dev, false, "")
}

// testQueueNotNow walks queue [A, B] through Idle, NotNow, Error and
// Acknowledged the way the core service asks for the next command.
func testQueueNotNow(t *testing.T, e *env) {
	dev := e.enroll()
	a, b := newCommand(t), newCommand(t)
	e.enqueue(a, dev)
	e.enqueue(b, dev)

	e.mustReport(dev, "", mdm.StatusIdle)
	e.deferFirst(dev, a, b, mdm.StatusError)

	// Only NotNow commands pending: skipNotNow leaves nothing to send.
	c := newCommand(t)
	e.enqueue(c, dev)
	e.mustReport(dev, c.CommandUUID, mdm.StatusNotNow)
	e.wantNext(dev, true, "")
	e.wantNext(dev, false, c.CommandUUID)
	// A second NotNow keeps it pending.
	e.mustReport(dev, c.CommandUUID, mdm.StatusNotNow)
	e.wantNext(dev, false, c.CommandUUID)
}

// deferFirst walks queue [a, b] of c, with nothing else pending, the way
// the core service does: a is sent and deferred with NotNow, so b is sent
// and answered with bStatus, then a is sent again and acknowledged, which
// leaves the queue empty.
func (e *env) deferFirst(c channel, a, b *mdm.Command, bStatus string) {
	e.t.Helper()
	e.wantNext(c, false, a.CommandUUID)
	e.mustReport(c, a.CommandUUID, mdm.StatusNotNow)
	e.wantNext(c, true, b.CommandUUID)
	e.mustReport(c, b.CommandUUID, bStatus)
	e.wantNext(c, false, a.CommandUUID)
	e.mustReport(c, a.CommandUUID, mdm.StatusAcknowledged)
	e.wantNext(c, false, "")
}

// testQueueAnsweredLeaves covers the NotNow-then-acknowledge sequence
// that must not hand out an answered command again, and checks that a
// command enqueued afterwards is still delivered.
func testQueueAnsweredLeaves(t *testing.T, e *env) {
	dev := e.enroll()
	a, b, c := newCommand(t), newCommand(t), newCommand(t)
	e.enqueue(a, dev)
	e.enqueue(b, dev)

	e.deferFirst(dev, a, b, mdm.StatusAcknowledged)

	e.enqueue(c, dev)
	e.wantNext(dev, false, c.CommandUUID)
	e.mustReport(dev, c.CommandUUID, mdm.StatusAcknowledged)
	e.wantNext(dev, false, "")
}

// wantNotQueued fails the case unless a report of status for uuid from c
// returns an error wrapping storage.ErrCommandNotQueued.
func (e *env) wantNotQueued(c channel, uuid, status string) {
	e.t.Helper()
	err := e.report(c, uuid, status)
	if !errors.Is(err, storage.ErrCommandNotQueued) {
		e.t.Errorf("report %s for %s: got error %v, want %v", status, uuid, err, storage.ErrCommandNotQueued)
	}
}

func testQueueReportNotQueued(t *testing.T, e *env) {
	dev := e.enroll()
	a, b, answered := newCommand(t), newCommand(t), newCommand(t)
	e.enqueue(answered, dev)
	e.mustReport(dev, answered.CommandUUID, mdm.StatusAcknowledged)
	e.enqueue(a, dev)
	e.enqueue(b, dev)

	e.wantNotQueued(dev, newCommandUUID(), mdm.StatusAcknowledged)
	e.wantNotQueued(dev, answered.CommandUUID, mdm.StatusAcknowledged)
	e.wantNotQueued(dev, answered.CommandUUID, mdm.StatusError)

	e.wantNext(dev, false, a.CommandUUID)
	e.mustReport(dev, a.CommandUUID, mdm.StatusAcknowledged)
	e.wantNext(dev, false, b.CommandUUID)

	if err := e.report(dev, "", mdm.StatusAcknowledged); err == nil {
		t.Errorf("report Acknowledged without CommandUUID: got no error, want one")
	}
	e.wantNext(dev, false, b.CommandUUID)
}

func testQueueReportOtherEnrollment(t *testing.T, e *env) {
	dev1, dev2 := e.enroll(), e.enroll()
	a, b := newCommand(t), newCommand(t)
	e.enqueue(a, dev1)
	e.enqueue(b, dev2)

	e.wantNotQueued(dev2, a.CommandUUID, mdm.StatusAcknowledged)
	e.wantNext(dev1, false, a.CommandUUID)
	e.wantNext(dev2, false, b.CommandUUID)
	e.mustReport(dev1, a.CommandUUID, mdm.StatusAcknowledged)
	e.wantNext(dev1, false, "")
	e.wantNext(dev2, false, b.CommandUUID)
}

// testQueueNotNowAfterFinal checks that a late NotNow cannot bring back a
// command that was already answered.
func testQueueNotNowAfterFinal(t *testing.T, e *env) {
	dev := e.enroll()
	a := newCommand(t)
	e.enqueue(a, dev)
	e.mustReport(dev, a.CommandUUID, mdm.StatusAcknowledged)
	_ = e.report(dev, a.CommandUUID, mdm.StatusNotNow) // an error is allowed
	e.wantNext(dev, false, "")
	e.wantNext(dev, true, "")
}

func testQueueClear(t *testing.T, e *env) {
	dev := e.enroll()
	u := e.enrollUser(dev)
	other := e.enroll()
	a, b, c, d := newCommand(t), newCommand(t), newCommand(t), newCommand(t)
	e.enqueue(a, dev, u, other)
	e.enqueue(b, dev)
	e.mustReport(dev, a.CommandUUID, mdm.StatusNotNow)

	if err := e.s.ClearQueue(e.request(dev, nil)); err != nil {
		t.Fatalf("ClearQueue: %v", err)
	}
	e.wantNext(dev, false, "")
	e.wantNext(u, false, "")
	e.wantNext(other, false, a.CommandUUID)

	// Commands enqueued after a clear are delivered normally.
	e.enqueue(c, dev, u)
	e.enqueue(d, dev)
	e.wantNext(dev, false, c.CommandUUID)
	e.wantNext(u, false, c.CommandUUID)
	e.mustReport(dev, c.CommandUUID, mdm.StatusAcknowledged)
	e.wantNext(dev, false, d.CommandUUID)
}

// testQueueClearLateReport sends a report for a cleared command, then
// checks that later commands are still delivered.
func testQueueClearLateReport(t *testing.T, e *env) {
	dev := e.enroll()
	a, b, c := newCommand(t), newCommand(t), newCommand(t)
	e.enqueue(a, dev)
	e.enqueue(b, dev)
	if err := e.s.ClearQueue(e.request(dev, nil)); err != nil {
		t.Fatalf("ClearQueue: %v", err)
	}
	e.wantNotQueued(dev, b.CommandUUID, mdm.StatusAcknowledged)
	e.wantNext(dev, false, "")

	e.enqueue(c, dev)
	e.wantNext(dev, false, c.CommandUUID)
	e.wantNotQueued(dev, a.CommandUUID, mdm.StatusError)
	e.wantNext(dev, false, c.CommandUUID)
}

func testQueueBinaryReport(t *testing.T, e *env) {
	dev := e.enroll()
	a, b := newCommand(t), newCommand(t)
	e.enqueue(a, dev)
	e.enqueue(b, dev)
	for _, cmd := range []*mdm.Command{a, b} {
		raw := binaryPlist(map[string]string{
			"UDID":        dev.udid,
			"CommandUUID": cmd.CommandUUID,
			"Status":      mdm.StatusAcknowledged,
		})
		report := decodeReport(t, raw)
		if err := e.s.StoreCommandReport(e.request(dev, nil), report); err != nil {
			t.Fatalf("StoreCommandReport(binary plist): %v", err)
		}
	}
	e.wantNext(dev, false, "")
}
