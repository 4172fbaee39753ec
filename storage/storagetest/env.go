package storagetest

import (
	"crypto/x509"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// env is one case's store with helpers that fail the case on any
// unexpected error.
type env struct {
	t testing.TB
	s storage.AllStorage
}

// channel is one enrollment channel: a device, or a user of a device.
// With byod, udid and userID are the EnrollmentID and EnrollmentUserID of
// a User Enrollment.
type channel struct {
	udid   string
	userID string
	byod   bool
}

// device returns a fresh device channel that is not stored yet.
func device() channel { return channel{udid: newUDID()} }

// byodDevice returns a fresh User Enrollment device channel.
func byodDevice() channel { return channel{udid: newUDID(), byod: true} }

// user returns a fresh user channel of c's device.
func (c channel) user() channel { return channel{udid: c.udid, userID: newUDID(), byod: c.byod} }

// id returns the normalized enrollment ID of c.
func (c channel) id() *mdm.EnrollID {
	e := mdm.Enrollment{UDID: c.udid, UserID: c.userID}
	if c.byod {
		e = mdm.Enrollment{EnrollmentID: c.udid, EnrollmentUserID: c.userID}
	}
	return e.Resolve()
}

// request returns a request for c with an optional identity certificate.
func (e *env) request(c channel, cert *x509.Certificate) *mdm.Request {
	r := mdm.NewRequest(e.t.Context(), cert)
	r.EnrollID = c.id()
	return r
}

// authenticate runs what the core service runs for an Authenticate on c:
// StoreAuthenticate, ClearQueue, then Disable.
func (e *env) authenticate(c channel, cert *x509.Certificate) {
	e.t.Helper()
	raw := fixture(e.t, "Authenticate.2.plist", c.udid)
	if c.byod {
		raw = authenticatePlist(c)
	}
	msg := decodeCheckin[*mdm.Authenticate](e.t, raw)
	r := e.request(c, cert)
	if err := e.s.StoreAuthenticate(r, msg); err != nil {
		e.t.Fatalf("StoreAuthenticate(%s): %v", c.udid, err)
	}
	if err := e.s.ClearQueue(r); err != nil {
		e.t.Fatalf("ClearQueue(%s): %v", c.udid, err)
	}
	if err := e.s.Disable(r); err != nil {
		e.t.Fatalf("Disable(%s): %v", c.udid, err)
	}
}

// tokenUpdate stores a TokenUpdate for c: the real device fixture for a
// device channel, a generated one for user channels and User Enrollments.
func (e *env) tokenUpdate(c channel) *mdm.TokenUpdate {
	e.t.Helper()
	raw := fixture(e.t, "TokenUpdate.2.plist", c.udid)
	if c.userID != "" || c.byod {
		raw = tokenUpdatePlist(c, newCommandUUID(), []byte(randomID(32)))
	}
	msg := decodeCheckin[*mdm.TokenUpdate](e.t, raw)
	if err := e.s.StoreTokenUpdate(e.request(c, nil), msg); err != nil {
		e.t.Fatalf("StoreTokenUpdate(%s): %v", c.id().ID, err)
	}
	return msg
}

// enroll authenticates a fresh device and stores its first TokenUpdate.
func (e *env) enroll() channel {
	e.t.Helper()
	c := device()
	e.authenticate(c, nil)
	e.tokenUpdate(c)
	return c
}

// enrollUser stores the first TokenUpdate of a fresh user of dev.
func (e *env) enrollUser(dev channel) channel {
	e.t.Helper()
	u := dev.user()
	e.tokenUpdate(u)
	return u
}

// tally returns the TokenUpdate tally of c.
func (e *env) tally(c channel) int {
	e.t.Helper()
	n, err := e.s.RetrieveTokenUpdateTally(e.t.Context(), c.id().ID)
	if err != nil {
		e.t.Fatalf("RetrieveTokenUpdateTally(%s): %v", c.id().ID, err)
	}
	return n
}

// wantTally fails the case unless c's tally is want.
func (e *env) wantTally(c channel, want int) {
	e.t.Helper()
	if got := e.tally(c); got != want {
		e.t.Errorf("tally of %s: got %d, want %d", c.id().ID, got, want)
	}
}

// enqueue queues cmd for every channel and fails on any error.
func (e *env) enqueue(cmd *mdm.Command, chans ...channel) {
	e.t.Helper()
	ids := make([]string, len(chans))
	for i, c := range chans {
		ids[i] = c.id().ID
	}
	idErrs, err := e.s.EnqueueCommand(e.t.Context(), ids, cmd)
	if err != nil {
		e.t.Fatalf("EnqueueCommand(%s): %v", cmd.CommandUUID, err)
	}
	if len(idErrs) > 0 {
		e.t.Fatalf("EnqueueCommand(%s): per-ID errors %v", cmd.CommandUUID, idErrs)
	}
}

// next returns the UUID of the next command for c, or "" when none is
// pending. It checks that the returned command matches what was stored.
func (e *env) next(c channel, skipNotNow bool) string {
	e.t.Helper()
	cmd, err := e.s.RetrieveNextCommand(e.request(c, nil), skipNotNow)
	if err != nil {
		e.t.Fatalf("RetrieveNextCommand(%s): %v", c.id().ID, err)
	}
	if cmd == nil {
		return ""
	}
	want := string(commandPlist(cmd.CommandUUID, "ProfileList"))
	if string(cmd.Raw.Raw) != want {
		e.t.Errorf("next command raw bytes: got %q, want %q", cmd.Raw.Raw, want)
	}
	if cmd.Command.RequestType != "ProfileList" {
		e.t.Errorf("next command RequestType: got %q, want %q", cmd.Command.RequestType, "ProfileList")
	}
	return cmd.CommandUUID
}

// report stores a report from c with the given status and returns the
// store's error.
func (e *env) report(c channel, uuid, status string) error {
	e.t.Helper()
	report := decodeReport(e.t, reportPlist(c, uuid, status))
	return e.s.StoreCommandReport(e.request(c, nil), report)
}

// mustReport is report that fails the case on error.
func (e *env) mustReport(c channel, uuid, status string) {
	e.t.Helper()
	if err := e.report(c, uuid, status); err != nil {
		e.t.Fatalf("StoreCommandReport(%s, %s, %s): %v", c.id().ID, uuid, status, err)
	}
}

// wantNext fails the case unless the next command for c is want ("" for
// none).
func (e *env) wantNext(c channel, skipNotNow bool, want string) {
	e.t.Helper()
	if got := e.next(c, skipNotNow); got != want {
		e.t.Errorf("next command for %s (skipNotNow=%v): got %q, want %q",
			c.id().ID, skipNotNow, got, want)
	}
}
