package sqltest

import (
	"bytes"
	"context"
	"database/sql"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// driver drives a store through the fixture's device.
type driver struct {
	t  testing.TB
	s  storage.AllStorage
	fx *Fixture
}

// request returns a request for the device channel, or for the user
// channel when user is true.
func (d *driver) request(user bool) *mdm.Request {
	r := mdm.NewRequest(context.Background(), d.fx.Cert)
	r.EnrollID = &mdm.EnrollID{Type: mdm.Device, ID: d.fx.UDID}
	if user {
		r.EnrollID = &mdm.EnrollID{Type: mdm.User, ID: d.fx.UserID, ParentID: d.fx.UDID}
	}
	return r
}

// report stores a report of status for uuid from the device channel.
func (d *driver) report(uuid, status string) error {
	d.t.Helper()
	report, err := mdm.DecodeCommandResults([]byte(d.fx.ReportPlist("", uuid, status)))
	if err != nil {
		d.t.Fatal(err)
	}
	return d.s.StoreCommandReport(d.request(false), report)
}

// wantNext checks the next command of the device channel.
func (d *driver) wantNext(skipNotNow bool, want string) {
	d.t.Helper()
	cmd, err := d.s.RetrieveNextCommand(d.request(false), skipNotNow)
	if err != nil {
		d.t.Fatalf("RetrieveNextCommand: %v", err)
	}
	got := ""
	if cmd != nil {
		got = cmd.CommandUUID
	}
	if got != want {
		d.t.Errorf("next command (skipNotNow %v): got %q, want %q", skipNotNow, got, want)
	}
}

// DriveFixture reads the rows of [LoadFixture] back through s, then sends
// the device through commands, re-enrollment and a new enqueue.
func DriveFixture(t *testing.T, s storage.AllStorage, fx *Fixture) {
	d := &driver{t: t, s: s, fx: fx}
	ctx := context.Background()

	pushes, err := s.RetrievePushInfo(ctx, []string{fx.UDID, fx.UserID, fx.UDID + "-unknown"})
	if err != nil {
		t.Fatalf("RetrievePushInfo: %v", err)
	}
	if len(pushes) != 2 || pushes[fx.UDID] == nil || !bytes.Equal(pushes[fx.UDID].Token, fx.Token) ||
		pushes[fx.UserID] == nil || pushes[fx.UDID].PushMagic != fx.PushMagic {
		t.Errorf("RetrievePushInfo: got %+v, want device and user channel with the fixture token", pushes)
	}
	token, err := s.RetrieveBootstrapToken(d.request(false), nil)
	if err != nil || token == nil || !bytes.Equal(token.BootstrapToken, fx.Bootstrap) {
		t.Errorf("RetrieveBootstrapToken: got %v, %v, want %q", token, err, fx.Bootstrap)
	}
	d.checkCertAuth()
	d.checkPushCert()
	d.checkMigration()

	// Pending commands in created_at order; NotNow'd ones come back.
	d.wantNext(false, fx.Pending)
	if err := d.report(fx.Pending, mdm.StatusAcknowledged); err != nil {
		t.Fatalf("acknowledging %s: %v", fx.Pending, err)
	}
	d.wantNext(false, fx.Later)
	if err := d.report(fx.Later, mdm.StatusNotNow); err != nil {
		t.Fatalf("NotNow for %s: %v", fx.Later, err)
	}
	d.wantNext(true, "")
	d.wantNext(false, fx.Later)
	if err := d.report(fx.Answered, mdm.StatusAcknowledged); err == nil {
		t.Errorf("report for the command NanoMDM answered: got no error, want one")
	}

	d.reenroll()
}

// checkCertAuth checks the two bindings: the later one is current.
func (d *driver) checkCertAuth() {
	d.t.Helper()
	r := d.request(false)
	for _, tc := range []struct {
		hash string
		want bool
	}{{d.fx.NewHash, true}, {d.fx.OldHash, false}} {
		got, err := d.s.IsCertHashAssociated(r, tc.hash)
		if err != nil || got != tc.want {
			d.t.Errorf("IsCertHashAssociated(%.8s): got %v, %v, want %v", tc.hash, got, err, tc.want)
		}
	}
	id, err := d.s.EnrollmentFromHash(context.Background(), d.fx.OldHash)
	if err != nil || id != d.fx.UDID {
		d.t.Errorf("EnrollmentFromHash(old): got %q, %v, want %q", id, err, d.fx.UDID)
	}
	has, err := d.s.HasCertHash(r, d.fx.OldHash)
	if err != nil || !has {
		d.t.Errorf("HasCertHash(old): got %v, %v, want true", has, err)
	}
}

// checkPushCert reads the stored push certificate.
func (d *driver) checkPushCert() {
	d.t.Helper()
	ctx := context.Background()
	cert, stale, err := d.s.RetrievePushCert(ctx, d.fx.PushTopic)
	if err != nil || cert == nil || stale != d.fx.PushCertStaleToken {
		d.t.Errorf("RetrievePushCert: got %v, %q, %v, want stale token %q", cert != nil, stale, err, d.fx.PushCertStaleToken)
	}
	isStale, err := d.s.IsPushCertStale(ctx, d.fx.PushTopic, d.fx.PushCertStaleToken)
	if err != nil || isStale {
		d.t.Errorf("IsPushCertStale: got %v, %v, want false", isStale, err)
	}

	// The API shows this error text as it is, so it matches NanoMDM's.
	_, _, err = d.s.RetrievePushCert(ctx, d.fx.PushTopic+".unknown")
	if err == nil || err.Error() != sql.ErrNoRows.Error() {
		d.t.Errorf("RetrievePushCert(unknown topic): got error %v, want %q", err, sql.ErrNoRows)
	}
}

// checkMigration checks that the fixture's check-ins are streamed.
func (d *driver) checkMigration() {
	d.t.Helper()
	out := make(chan any)
	done := make(chan error, 1)
	go func() {
		done <- d.s.RetrieveMigrationCheckins(context.Background(), out)
		close(out)
	}()
	var auth, device, user bool
	for item := range out {
		switch msg := item.(type) {
		case *mdm.Authenticate:
			auth = auth || msg.UDID == d.fx.UDID
		case *mdm.TokenUpdate:
			device = device || msg.UDID == d.fx.UDID && msg.UserID == ""
			user = user || msg.UDID == d.fx.UDID && msg.UserID != "" && device
		}
	}
	if err := <-done; err != nil {
		d.t.Errorf("RetrieveMigrationCheckins: %v", err)
	}
	if !auth || !device || !user {
		d.t.Errorf("migration: got Authenticate %v, device TokenUpdate %v, user TokenUpdate after it %v, want all",
			auth, device, user)
	}
}
