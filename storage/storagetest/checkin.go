package storagetest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

func testTally(t *testing.T, e *env) {
	dev := device()
	e.authenticate(dev, nil)
	e.wantTally(dev, 0)
	e.tokenUpdate(dev)
	e.wantTally(dev, 1)
	e.tokenUpdate(dev)
	e.wantTally(dev, 2)

	u := dev.user()
	e.tokenUpdate(u)
	e.wantTally(u, 1)
	e.wantTally(dev, 2)
}

func testTallyUnknown(t *testing.T, e *env) {
	for _, id := range []string{newUDID(), newUDID() + ":" + newUDID()} {
		got, err := e.s.RetrieveTokenUpdateTally(t.Context(), id)
		if err != nil {
			t.Errorf("RetrieveTokenUpdateTally(%s): got error %v, want none", id, err)
		}
		if got != 0 {
			t.Errorf("RetrieveTokenUpdateTally(%s): got %d, want 0", id, got)
		}
	}
}

// testReauthenticate checks that a device Authenticate resets the device
// and every user channel: queues cleared, tallies back to 0, and the next
// TokenUpdate counts from 1 again.
func testReauthenticate(t *testing.T, e *env) {
	dev := e.enroll()
	e.tokenUpdate(dev)
	u := e.enrollUser(dev)
	e.tokenUpdate(u)
	devCmd, userCmd := newCommand(t), newCommand(t)
	e.enqueue(devCmd, dev)
	e.enqueue(userCmd, u)

	e.authenticate(dev, nil)
	e.wantTally(dev, 0)
	e.wantTally(u, 0)
	e.wantNext(dev, false, "")
	e.wantNext(u, false, "")

	e.tokenUpdate(dev)
	e.tokenUpdate(u)
	e.wantTally(dev, 1)
	e.wantTally(u, 1)
	e.wantNext(dev, false, "")
	e.wantNext(u, false, "")
}

func testDisableDevice(t *testing.T, e *env) {
	dev := e.enroll()
	u := e.enrollUser(dev)
	if err := e.s.Disable(e.request(dev, nil)); err != nil {
		t.Fatalf("Disable(%s): %v", dev.udid, err)
	}
	e.wantTally(dev, 0)
	e.wantTally(u, 0)

	// Disabling twice is harmless.
	if err := e.s.Disable(e.request(dev, nil)); err != nil {
		t.Fatalf("second Disable(%s): %v", dev.udid, err)
	}
	e.tokenUpdate(u)
	e.wantTally(u, 1)
}

func testDisableUser(t *testing.T, e *env) {
	dev := e.enroll()
	u1 := e.enrollUser(dev)
	u2 := e.enrollUser(dev)
	if err := e.s.Disable(e.request(u1, nil)); err != nil {
		t.Fatalf("Disable(%s): %v", u1.id().ID, err)
	}
	e.wantTally(u1, 0)
	e.wantTally(u2, 1)
	e.wantTally(dev, 1)
}

// retrieveBootstrap returns the stored bootstrap token of c, or nil.
func (e *env) retrieveBootstrap(c channel) ([]byte, error) {
	msg := decodeCheckin[*mdm.GetBootstrapToken](e.t, getBootstrapPlist(c))
	tok, err := e.s.RetrieveBootstrapToken(e.request(c, nil), msg)
	if tok == nil {
		return nil, err
	}
	if tok.BootstrapToken == nil {
		e.t.Errorf("RetrieveBootstrapToken(%s): got a token with nil bytes, want nil token", c.udid)
	}
	return tok.BootstrapToken, err
}

// storeBootstrap stores token (nil for a message without one) for c.
func (e *env) storeBootstrap(c channel, token []byte) error {
	msg := decodeCheckin[*mdm.SetBootstrapToken](e.t, bootstrapPlist(c, token))
	return e.s.StoreBootstrapToken(e.request(c, nil), msg)
}

// wantBootstrap fails the case unless c's stored token is want.
func (e *env) wantBootstrap(c channel, want []byte) {
	e.t.Helper()
	got, err := e.retrieveBootstrap(c)
	if err != nil {
		e.t.Fatalf("RetrieveBootstrapToken(%s): %v", c.udid, err)
	}
	if (got == nil) != (want == nil) || !bytes.Equal(got, want) {
		e.t.Errorf("bootstrap token of %s: got %q, want %q", c.udid, got, want)
	}
}

func testBootstrapToken(t *testing.T, e *env) {
	dev := e.enroll()
	e.wantBootstrap(dev, nil)

	token := []byte("bootstrap-" + randomID(8))
	if err := e.storeBootstrap(dev, token); err != nil {
		t.Fatalf("StoreBootstrapToken: %v", err)
	}
	e.wantBootstrap(dev, token)

	// A new Authenticate erases the escrowed token.
	e.authenticate(dev, nil)
	e.wantBootstrap(dev, nil)

	// A SetBootstrapToken without a token clears it.
	if err := e.storeBootstrap(dev, token); err != nil {
		t.Fatalf("StoreBootstrapToken: %v", err)
	}
	if err := e.storeBootstrap(dev, nil); err != nil {
		t.Fatalf("StoreBootstrapToken without token: %v", err)
	}
	e.wantBootstrap(dev, nil)

	unknown := device()
	e.wantBootstrap(unknown, nil)
}

func testBootstrapTokenUserChannel(t *testing.T, e *env) {
	dev := e.enroll()
	u := e.enrollUser(dev)
	err := e.storeBootstrap(u, []byte("user-token"))
	if !errors.Is(err, storage.ErrDeviceChannelOnly) {
		t.Errorf("StoreBootstrapToken on user channel: got error %v, want %v", err, storage.ErrDeviceChannelOnly)
	}
	_, err = e.retrieveBootstrap(u)
	if !errors.Is(err, storage.ErrDeviceChannelOnly) {
		t.Errorf("RetrieveBootstrapToken on user channel: got error %v, want %v", err, storage.ErrDeviceChannelOnly)
	}
	e.wantBootstrap(dev, nil)
}

func testUserAuthenticate(t *testing.T, e *env) {
	dev := e.enroll()
	u := dev.user()
	for _, digest := range []bool{false, true, false} {
		msg := decodeCheckin[*mdm.UserAuthenticate](t, userAuthenticatePlist(u, digest))
		if err := e.s.StoreUserAuthenticate(e.request(u, nil), msg); err != nil {
			t.Fatalf("StoreUserAuthenticate(digest=%v): %v", digest, err)
		}
	}
	e.tokenUpdate(u)
	e.wantTally(u, 1)
}

// testUserEnrollment runs a User Enrollment, whose channels are named by
// EnrollmentID and EnrollmentUserID, through enrollment, a command and
// re-enrollment.
func testUserEnrollment(t *testing.T, e *env) {
	dev := byodDevice()
	e.authenticate(dev, nil)
	devMsg := e.tokenUpdate(dev)
	u := e.enrollUser(dev)
	if got, want := u.id().ID, dev.udid+":"+u.userID; got != want {
		t.Fatalf("user channel ID: got %q, want %q", got, want)
	}
	e.wantTally(dev, 1)
	e.wantTally(u, 1)

	infos, err := e.s.RetrievePushInfo(t.Context(), []string{dev.udid})
	if err != nil {
		t.Fatalf("RetrievePushInfo: %v", err)
	}
	wantPush(t, dev.udid, infos[dev.udid], devMsg.Push)

	cmd := newCommand(t)
	e.enqueue(cmd, dev, u)
	e.wantNext(dev, false, cmd.CommandUUID)
	e.wantNext(u, false, cmd.CommandUUID)

	e.authenticate(dev, nil)
	e.wantTally(dev, 0)
	e.wantTally(u, 0)
	e.wantNext(dev, false, "")
	e.wantNext(u, false, "")
}
