package sqltest

import (
	"context"

	"github.com/mdmforge/nanomdm/mdm"
)

// reenroll sends the fixture device through Authenticate, as the core
// service does (store, clear the queue, disable), then TokenUpdate, and
// enqueues a new command.
func (d *driver) reenroll() {
	d.t.Helper()
	ctx := context.Background()
	msg, err := mdm.DecodeCheckin([]byte(d.fx.AuthenticatePlist()))
	if err != nil {
		d.t.Fatal(err)
	}
	r := d.request(false)
	if err := d.s.StoreAuthenticate(r, msg.(*mdm.Authenticate)); err != nil {
		d.t.Fatalf("StoreAuthenticate: %v", err)
	}
	if err := d.s.ClearQueue(r); err != nil {
		d.t.Fatalf("ClearQueue: %v", err)
	}
	if err := d.s.Disable(r); err != nil {
		d.t.Fatalf("Disable: %v", err)
	}
	d.wantNext(false, "")
	if token, err := d.s.RetrieveBootstrapToken(r, nil); err != nil || token != nil {
		d.t.Errorf("bootstrap token after Authenticate: got %v, %v, want none", token, err)
	}

	for _, user := range []bool{false, true} {
		userID := ""
		if user {
			userID = d.fx.UserID
		}
		msg, err := mdm.DecodeCheckin([]byte(d.fx.TokenUpdatePlist(userID)))
		if err != nil {
			d.t.Fatal(err)
		}
		if err := d.s.StoreTokenUpdate(d.request(user), msg.(*mdm.TokenUpdate)); err != nil {
			d.t.Fatalf("StoreTokenUpdate (user channel %v): %v", user, err)
		}
		if tally, err := d.s.RetrieveTokenUpdateTally(ctx, d.request(user).ID); err != nil || tally != 1 {
			d.t.Errorf("tally after re-enrollment (user channel %v): got %d, %v, want 1", user, tally, err)
		}
	}

	uuid := RandomName("cmd-")
	cmd, err := mdm.DecodeCommand([]byte(CommandPlist(uuid)))
	if err != nil {
		d.t.Fatal(err)
	}
	failed, err := d.s.EnqueueCommand(ctx, []string{d.fx.UDID, d.fx.UserID}, cmd)
	if err != nil || len(failed) != 0 {
		d.t.Fatalf("EnqueueCommand: got %v, %v, want no errors", failed, err)
	}
	d.wantNext(false, uuid)
	if err := d.report(uuid, mdm.StatusAcknowledged); err != nil {
		d.t.Errorf("acknowledging %s: %v", uuid, err)
	}
	d.wantNext(false, "")
}
