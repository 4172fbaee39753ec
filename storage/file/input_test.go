package file_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
	"github.com/mdmforge/nanomdm/storage/file"
)

// TestInvalidEnrollmentIDs checks that IDs which cannot be one file name
// under the root are rejected with an error naming them, and that nothing
// is written outside the root.
func TestInvalidEnrollmentIDs(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "root")
	s, err := file.New(root)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	tu := decodeCheckin[*mdm.TokenUpdate](t, readFixture(t, "TokenUpdate.2.plist"))
	auth := decodeCheckin[*mdm.Authenticate](t, readFixture(t, "Authenticate.2.plist"))
	tests := []struct {
		name string
		id   string
	}{
		{name: "parent directory", id: "../escape"},
		{name: "slash", id: "a/b"},
		{name: "dot", id: "."},
		{name: "hidden", id: ".commands"},
		{name: "empty", id: ""},
		{name: "line break", id: "a\nb"},
		{name: "backslash", id: `..\escape`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := mdm.NewRequest(t.Context(), nil)
			r.EnrollID = &mdm.EnrollID{Type: mdm.Device, ID: tc.id}
			calls := map[string]error{
				"StoreAuthenticate": s.StoreAuthenticate(r, auth),
				"StoreTokenUpdate":  s.StoreTokenUpdate(r, tu),
				"Disable":           s.Disable(r),
				"ClearQueue":        s.ClearQueue(r),
				"AssociateCertHash": s.AssociateCertHash(r, legacyHash1),
			}
			_, calls["RetrieveNextCommand"] = s.RetrieveNextCommand(r, false)
			for name, err := range calls {
				if err == nil || !strings.Contains(err.Error(), "invalid enrollment ID") {
					t.Errorf("%s(%q): got error %v, want an invalid enrollment ID error", name, tc.id, err)
				}
			}

			idErrs, err := s.EnqueueCommand(t.Context(), []string{tc.id}, decodeCommand(t, commandPlist("ffff0000-0000-4000-8000-000000000006")))
			if err != nil || idErrs[tc.id] == nil {
				t.Errorf("EnqueueCommand(%q): got %v, %v, want a per-ID error", tc.id, idErrs, err)
			}
			push, err := s.RetrievePushInfo(t.Context(), []string{tc.id})
			if err != nil || len(push) != 0 {
				t.Errorf("RetrievePushInfo(%q): got %v, %v, want empty map", tc.id, push, err)
			}
		})
	}

	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "root" {
		t.Errorf("files beside the root: got %v, want only root", entries)
	}
}

func TestInvalidCommandUUIDs(t *testing.T) {
	s := newStore(t)
	dev := request(t, fixtureUDID, "", nil)
	tu := decodeCheckin[*mdm.TokenUpdate](t, readFixture(t, "TokenUpdate.2.plist"))
	if err := s.StoreTokenUpdate(dev, tu); err != nil {
		t.Fatalf("StoreTokenUpdate: %v", err)
	}
	for _, uuid := range []string{"../x", "x/y", ".hidden", "x.result"} {
		t.Run(uuid, func(t *testing.T) {
			cmd := decodeCommand(t, commandPlist(uuid))
			if _, err := s.EnqueueCommand(t.Context(), []string{dev.ID}, cmd); err == nil || !strings.Contains(err.Error(), "invalid command UUID") {
				t.Errorf("EnqueueCommand: got error %v, want an invalid command UUID error", err)
			}
			report := decodeReport(t, reportPlist(fixtureUDID, uuid, mdm.StatusAcknowledged))
			if err := s.StoreCommandReport(dev, report); err == nil || !strings.Contains(err.Error(), "invalid command UUID") {
				t.Errorf("StoreCommandReport: got error %v, want an invalid command UUID error", err)
			}
		})
	}
	if cmd, err := s.RetrieveNextCommand(dev, false); err != nil || cmd != nil {
		t.Errorf("RetrieveNextCommand: got %v, %v, want none", cmd, err)
	}
}

func TestInvalidCertHash(t *testing.T) {
	s := newStore(t)
	dev := request(t, fixtureUDID, "", nil)
	for _, hash := range []string{"", "a,b", "a\nb"} {
		if err := s.AssociateCertHash(dev, hash); err == nil {
			t.Errorf("AssociateCertHash(%q): got no error, want one", hash)
		}
	}
	if ok, err := s.EnrollmentHasCertHash(dev, ""); err != nil || ok {
		t.Errorf("EnrollmentHasCertHash after rejected hashes: got %v, %v, want false", ok, err)
	}
}

func TestUserChannelAuthenticate(t *testing.T) {
	s := newStore(t)
	auth := decodeCheckin[*mdm.Authenticate](t, readFixture(t, "Authenticate.2.plist"))
	err := s.StoreAuthenticate(request(t, fixtureUDID, fixtureUserID, nil), auth)
	if !errors.Is(err, storage.ErrDeviceChannelOnly) {
		t.Errorf("StoreAuthenticate(user channel): got error %v, want %v", err, storage.ErrDeviceChannelOnly)
	}
}

func TestNewRoot(t *testing.T) {
	tests := []struct {
		name    string
		dir     string
		wantErr bool
	}{
		{name: "existing", dir: t.TempDir()},
		{name: "created", dir: filepath.Join(t.TempDir(), "new")},
		{name: "missing parent", dir: filepath.Join(t.TempDir(), "a", "b"), wantErr: true},
		{name: "empty", dir: "", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := file.New(tc.dir)
			if (err != nil) != tc.wantErr {
				t.Errorf("New(%q): got error %v, want error %v", tc.dir, err, tc.wantErr)
			}
		})
	}
}
