package filekv_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// TestIDsNotUsableAsFileNames sends IDs that cannot be file names: the
// writes fail with an error naming the key, lookups find nothing, and the
// store keeps working for other IDs.
func TestIDsNotUsableAsFileNames(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	tests := []struct {
		name string
		id   string
	}{
		{name: "path separator", id: "../../escape"},
		{name: "NUL byte", id: "DEV\x00ICE"},
		{name: "longer than a file name", id: strings.Repeat("L", 300)},
		{name: "longer than a path", id: strings.Repeat("L", 5000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := mdm.NewRequest(ctx, nil)
			r.EnrollID = &mdm.EnrollID{Type: mdm.Device, ID: tc.id}
			err := s.StoreTokenUpdate(r, &mdm.TokenUpdate{Push: mdm.Push{Topic: topic, Token: pushToken}})
			if err == nil || !strings.Contains(err.Error(), "invalid key") {
				t.Errorf("StoreTokenUpdate: got error %v, want one about an invalid key", err)
			}

			cmd, err := mdm.DecodeCommand(commandPlist("bad-id-" + tc.name))
			check(t, "DecodeCommand", err)
			idErrs, err := s.EnqueueCommand(ctx, []string{tc.id}, cmd)
			check(t, "EnqueueCommand", err)
			if !errors.Is(idErrs[tc.id], storage.ErrEnrollmentNotFound) {
				t.Errorf("EnqueueCommand per-ID error: got %v, want %v", idErrs[tc.id], storage.ErrEnrollmentNotFound)
			}
			infos, err := s.RetrievePushInfo(ctx, []string{tc.id})
			check(t, "RetrievePushInfo", err)
			if len(infos) != 0 {
				t.Errorf("RetrievePushInfo: got %v, want none", infos)
			}
		})
	}

	// The store still works.
	r, msg := request(t, tokenUpdatePlist(false), nil)
	check(t, "StoreTokenUpdate", s.StoreTokenUpdate(r, msg.(*mdm.TokenUpdate)))
}
