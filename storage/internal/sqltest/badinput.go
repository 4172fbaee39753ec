package sqltest

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// BadInput checks that each kind of invalid input gets an error naming
// the problem, stores nothing, and leaves the store working.
func BadInput(t *testing.T, db *sql.DB, s storage.AllStorage) {
	fx := LoadFixture(t, db)
	d := &driver{t: t, s: s, fx: fx}
	ctx := context.Background()
	binaryCmd := &mdm.Command{CommandUUID: RandomName("cmd-"), Command: mdm.CommandPayload{RequestType: "ProfileList"}}
	binaryCmd.Raw.Raw = []byte("bplist00 not XML")

	for _, tc := range badInputCases(t, d, binaryCmd) {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}

	_, _, err := s.RetrievePushCert(ctx, "com.apple.mgmt.unknown")
	if !errors.Is(err, sql.ErrNoRows) {
		t.Errorf("RetrievePushCert of an unknown topic: got %v, want an error wrapping %v", err, sql.ErrNoRows)
	}

	// Nothing of the failed enqueue was stored, and the store still works.
	xmlCmd, err := mdm.DecodeCommand([]byte(CommandPlist(binaryCmd.CommandUUID)))
	if err != nil {
		t.Fatal(err)
	}
	if failed, err := s.EnqueueCommand(ctx, []string{fx.UDID}, xmlCmd); err != nil || len(failed) != 0 {
		t.Fatalf("enqueue after the failed one: got %v, %v, want success", failed, err)
	}
	d.wantNext(false, fx.Pending)
}

// badInputCase is one invalid call of [BadInput] and the text its error
// must contain.
type badInputCase struct {
	name string
	call func() error
	want string
}

// badInputCases returns the invalid calls of [BadInput] on the store of d.
// binaryCmd is a command whose raw bytes are not XML.
func badInputCases(t *testing.T, d *driver, binaryCmd *mdm.Command) []badInputCase {
	s, fx := d.s, d.fx
	ctx := context.Background()
	stranger := &Fixture{UDID: randomUDID(), Topic: fx.Topic, PushMagic: fx.PushMagic, Token: fx.Token}
	return []badInputCase{
		{"TokenUpdate before Authenticate", func() error {
			msg, err := mdm.DecodeCheckin([]byte(stranger.TokenUpdatePlist("")))
			if err != nil {
				t.Fatal(err)
			}
			r := d.request(false)
			r.EnrollID = &mdm.EnrollID{Type: mdm.Device, ID: stranger.UDID}
			return s.StoreTokenUpdate(r, msg.(*mdm.TokenUpdate))
		}, "no Authenticate stored for device " + stranger.UDID},
		{"report without command UUID", func() error {
			return d.report("", mdm.StatusAcknowledged)
		}, "empty command UUID"},
		{"enqueue without IDs", func() error {
			_, err := s.EnqueueCommand(ctx, nil, binaryCmd)
			return err
		}, "no id(s) supplied"},
		{"enqueue binary command", func() error {
			_, err := s.EnqueueCommand(ctx, []string{fx.UDID}, binaryCmd)
			return err
		}, "enqueuing command " + binaryCmd.CommandUUID},
		{"push info without IDs", func() error {
			_, err := s.RetrievePushInfo(ctx, nil)
			return err
		}, "no ids provided"},
		{"stale token not a number", func() error {
			_, err := s.IsPushCertStale(ctx, fx.PushTopic, "abc")
			return err
		}, `parsing stale token "abc"`},
		{"push cert not PEM", func() error {
			return s.StorePushCert(ctx, []byte("not PEM"), []byte("not PEM"))
		}, "no PEM CERTIFICATE block"},
		{"bootstrap token on user channel", func() error {
			return s.StoreBootstrapToken(d.request(true), &mdm.SetBootstrapToken{})
		}, storage.ErrDeviceChannelOnly.Error()},
	}
}
