package file_test

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/mdm"
)

// Command UUIDs of the hand-written directory. Their name order differs
// from their enqueue order on purpose.
const (
	uuidNotNow  = "cccc0000-0000-4000-8000-000000000001"
	uuidFirst   = "bbbb0000-0000-4000-8000-000000000002"
	uuidSecond  = "aaaa0000-0000-4000-8000-000000000003"
	uuidDone    = "dddd0000-0000-4000-8000-000000000004"
	legacyHash1 = "1111111111111111111111111111111111111111111111111111111111111111"
	legacyHash2 = "2222222222222222222222222222222222222222222222222222222222222222"
)

// writeLegacyTree writes a directory the way NanoMDM's file backend
// leaves it: an enrolled Mac with one user channel, commands pending,
// deferred with NotNow and answered, and two certificate associations.
func writeLegacyTree(t *testing.T, root string) {
	t.Helper()
	dev := fixtureUDID + "/"
	user := fixtureUDID + ":" + fixtureUserID
	enqueued := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	writeTree(t, root, []treeFile{
		{path: dev + "Authenticate.plist", content: readFixture(t, "Authenticate.2.plist")},
		{path: dev + "TokenUpdate.plist", content: readFixture(t, "TokenUpdate.2.plist")},
		{path: dev + "TokenUpdate.tally.txt", content: []byte("2")},
		{path: dev + "SerialNumber.txt", content: []byte("C02MT66KFLHH")},
		{path: dev + "UnlockToken.dat", content: []byte("unlock")},
		{path: dev + "BootstrapToken.dat", content: []byte("bootstrap")},
		{path: dev + "CertAuth.sha256.txt", content: []byte(legacyHash2)},
		{path: dev + "SubEnrollments/" + user},
		{path: dev + "SubEnrollments/.DS_Store", content: []byte("finder")},
		{path: dev + "QueueNotNow/" + uuidNotNow + ".plist", content: commandPlist(uuidNotNow), modTime: enqueued},
		{path: dev + "QueueNotNow/" + uuidNotNow + ".result.plist", content: reportPlist(fixtureUDID, uuidNotNow, mdm.StatusNotNow)},
		{path: dev + "Queue/" + uuidFirst + ".plist", content: commandPlist(uuidFirst), modTime: enqueued.Add(time.Second)},
		{path: dev + "Queue/" + uuidSecond + ".plist", content: commandPlist(uuidSecond), modTime: enqueued.Add(2 * time.Second)},
		{path: dev + "QueueDone/" + uuidDone + ".plist", content: commandPlist(uuidDone)},
		{path: dev + "QueueDone/" + uuidDone + ".result.plist", content: reportPlist(fixtureUDID, uuidDone, mdm.StatusAcknowledged)},
		{path: user + "/TokenUpdate.plist", content: userTokenUpdatePlist(fixtureUDID, fixtureUserID)},
		{path: user + "/TokenUpdate.tally.txt", content: []byte("1")},
		{path: "CertAuth.txt", content: []byte(fixtureUDID + "," + legacyHash1 + "\n" + fixtureUDID + "," + legacyHash2 + "\n")},
	})
}

func TestLegacyDirectoryReads(t *testing.T) {
	_, s := newLegacyStore(t)
	ctx := t.Context()
	dev := request(t, fixtureUDID, "", nil)
	user := request(t, fixtureUDID, fixtureUserID, nil)

	tallies := []struct {
		name string
		id   string
		want int
	}{
		{name: "device", id: dev.ID, want: 2},
		{name: "user", id: user.ID, want: 1},
	}
	for _, tc := range tallies {
		t.Run("tally "+tc.name, func(t *testing.T) {
			got, err := s.RetrieveTokenUpdateTally(ctx, tc.id)
			if err != nil || got != tc.want {
				t.Errorf("RetrieveTokenUpdateTally(%s): got %d, %v, want %d", tc.id, got, err, tc.want)
			}
		})
	}

	push, err := s.RetrievePushInfo(ctx, []string{dev.ID, user.ID})
	if err != nil {
		t.Fatalf("RetrievePushInfo: %v", err)
	}
	if got := push[dev.ID]; got == nil || got.PushMagic != "888CEB39-BFFA-40F6-89FA-B60752EB63C2" {
		t.Errorf("push info of device: got %+v, want the fixture's PushMagic", got)
	}
	if got := push[user.ID]; got == nil || got.PushMagic != "user-magic" {
		t.Errorf("push info of user: got %+v, want PushMagic user-magic", got)
	}

	tok, err := s.RetrieveBootstrapToken(dev, nil)
	if err != nil || tok == nil || !bytes.Equal(tok.BootstrapToken, []byte("bootstrap")) {
		t.Errorf("RetrieveBootstrapToken: got %v, %v, want bootstrap", tok, err)
	}

	for _, tc := range []struct {
		name string
		hash string
		want bool
	}{
		{name: "earlier hash", hash: legacyHash1, want: false},
		{name: "latest hash", hash: legacyHash2, want: true},
	} {
		t.Run("cert "+tc.name, func(t *testing.T) {
			ok, err := s.IsCertHashAssociated(dev, tc.hash)
			if err != nil || ok != tc.want {
				t.Errorf("IsCertHashAssociated: got %v, %v, want %v", ok, err, tc.want)
			}
			owner, err := s.EnrollmentFromHash(ctx, tc.hash)
			if err != nil || owner != fixtureUDID {
				t.Errorf("EnrollmentFromHash: got %q, %v, want %q", owner, err, fixtureUDID)
			}
		})
	}
}

func TestLegacyDirectoryQueue(t *testing.T) {
	root, s := newLegacyStore(t)
	dev := request(t, fixtureUDID, "", nil)
	next := func(skipNotNow bool) string {
		t.Helper()
		cmd, err := s.RetrieveNextCommand(dev, skipNotNow)
		if err != nil {
			t.Fatalf("RetrieveNextCommand: %v", err)
		}
		if cmd == nil {
			return ""
		}
		return cmd.CommandUUID
	}
	report := func(uuid, status string) {
		t.Helper()
		if err := s.StoreCommandReport(dev, decodeReport(t, reportPlist(fixtureUDID, uuid, status))); err != nil {
			t.Fatalf("StoreCommandReport(%s, %s): %v", uuid, status, err)
		}
	}

	// Enqueue order, not name order, and the NotNow report file is never
	// taken for a command.
	steps := []struct {
		skipNotNow bool
		want       string
		status     string
	}{
		{skipNotNow: false, want: uuidNotNow, status: mdm.StatusNotNow},
		{skipNotNow: true, want: uuidFirst, status: mdm.StatusAcknowledged},
		{skipNotNow: false, want: uuidNotNow, status: mdm.StatusAcknowledged},
		{skipNotNow: false, want: uuidSecond, status: mdm.StatusError},
		{skipNotNow: false, want: ""},
	}
	for i, step := range steps {
		if got := next(step.skipNotNow); got != step.want {
			t.Fatalf("step %d: next command: got %q, want %q", i, got, step.want)
		}
		if step.status != "" {
			report(step.want, step.status)
		}
	}
	for _, uuid := range []string{uuidNotNow, uuidFirst, uuidSecond, uuidDone} {
		for _, suffix := range []string{".plist", ".result.plist"} {
			if path := fixtureUDID + "/QueueDone/" + uuid + suffix; !fileExists(t, root, path) {
				t.Errorf("%s: missing after its final report", path)
			}
		}
	}
	if path := fixtureUDID + "/QueueNotNow/" + uuidNotNow + ".result.plist"; fileExists(t, root, path) {
		t.Errorf("%s: still present after the final report", path)
	}
}

func TestLegacyDirectoryMigration(t *testing.T) {
	_, s := newLegacyStore(t)
	got := collectMigration(t, s)
	want := []string{
		"Authenticate " + fixtureUDID,
		"TokenUpdate " + fixtureUDID,
		"TokenUpdate " + fixtureUDID + ":" + fixtureUserID,
	}
	if !slices.Equal(got, want) {
		t.Errorf("migration stream: got %q, want %q", got, want)
	}
}
