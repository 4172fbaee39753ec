package storagetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// wantUnknownIDs fails the case unless idErrs holds exactly the IDs in
// unknown, each with storage.ErrEnrollmentNotFound.
func wantUnknownIDs(t *testing.T, idErrs map[string]error, unknown []string) {
	t.Helper()
	if len(idErrs) != len(unknown) {
		t.Errorf("per-ID errors: got %d, want %d", len(idErrs), len(unknown))
	}
	failures := 0
	for _, id := range unknown {
		err := idErrs[id]
		if errors.Is(err, storage.ErrEnrollmentNotFound) {
			continue
		}
		t.Errorf("per-ID error for %s: got %v, want %v", id, err, storage.ErrEnrollmentNotFound)
		if failures++; failures == 5 {
			t.Fatalf("per-ID errors: stopping after %d wrong entries", failures)
		}
	}
}

func testEnqueueUnknown(t *testing.T, e *env) {
	dev := e.enroll()
	u := e.enrollUser(dev)
	// Another letter case is another ID.
	unknown := []string{newUDID(), dev.udid + ":" + newUDID(), strings.ToLower(dev.udid)}
	cmd := newCommand(t)
	ids := append([]string{dev.udid, u.id().ID}, unknown...)

	idErrs, err := e.s.EnqueueCommand(t.Context(), ids, cmd)
	if err != nil {
		t.Fatalf("EnqueueCommand: %v", err)
	}
	wantUnknownIDs(t, idErrs, unknown)
	e.wantNext(dev, false, cmd.CommandUUID)
	e.wantNext(u, false, cmd.CommandUUID)
}

func testEnqueueAllUnknown(t *testing.T, e *env) {
	dev := e.enroll()
	cmd := newCommand(t)
	unknown := []string{newUDID(), newUDID() + ":" + newUDID()}
	idErrs, err := e.s.EnqueueCommand(t.Context(), unknown, cmd)
	if err != nil {
		t.Fatalf("EnqueueCommand: %v", err)
	}
	wantUnknownIDs(t, idErrs, unknown)

	// Nothing was stored, so the same CommandUUID is still free.
	e.enqueue(cmd, dev)
	e.wantNext(dev, false, cmd.CommandUUID)
}

// testEnqueueAuthenticatedOnly checks that a device that sent Authenticate
// but no TokenUpdate is not yet an enrollment.
func testEnqueueAuthenticatedOnly(t *testing.T, e *env) {
	dev := device()
	e.authenticate(dev, nil)
	cmd := newCommand(t)
	idErrs, err := e.s.EnqueueCommand(t.Context(), []string{dev.udid}, cmd)
	if err != nil {
		t.Fatalf("EnqueueCommand: %v", err)
	}
	wantUnknownIDs(t, idErrs, []string{dev.udid})

	e.tokenUpdate(dev)
	e.enqueue(cmd, dev)
	e.wantNext(dev, false, cmd.CommandUUID)
}

func testEnqueueDuplicate(t *testing.T, e *env) {
	dev1, dev2 := e.enroll(), e.enroll()
	cmd := newCommand(t)
	e.enqueue(cmd, dev1)
	e.mustReport(dev1, cmd.CommandUUID, mdm.StatusAcknowledged)

	_, err := e.s.EnqueueCommand(t.Context(), []string{dev2.udid}, cmd)
	if err == nil {
		t.Fatalf("EnqueueCommand with a used CommandUUID: got no error, want one")
	}
	e.wantNext(dev2, false, "")
	e.wantNext(dev1, false, "")
}

// testEnqueueMany enqueues two commands to known enrolled IDs mixed with
// unknown ones in single calls, and checks that each known ID gets both
// in order.
func testEnqueueMany(t *testing.T, e *env, known, unknown int) {
	chans := make([]channel, known)
	ids := make([]string, 0, known+unknown)
	for i := range chans {
		chans[i] = e.enroll()
		ids = append(ids, chans[i].udid)
	}
	var unknownIDs []string
	for range unknown {
		unknownIDs = append(unknownIDs, newUDID())
	}
	ids = append(ids, unknownIDs...)

	a, b := newCommand(t), newCommand(t)
	for _, cmd := range []*mdm.Command{a, b} {
		idErrs, err := e.s.EnqueueCommand(t.Context(), ids, cmd)
		if err != nil {
			t.Fatalf("EnqueueCommand(%d IDs): %v", len(ids), err)
		}
		wantUnknownIDs(t, idErrs, unknownIDs)
	}
	for _, i := range []int{0, known / 2, known - 1} {
		if i < 0 || i >= known {
			continue
		}
		e.wantNext(chans[i], false, a.CommandUUID)
		e.mustReport(chans[i], a.CommandUUID, mdm.StatusAcknowledged)
		e.wantNext(chans[i], false, b.CommandUUID)
	}
}
