package file_test

import (
	"errors"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
	"github.com/mdmforge/nanomdm/storage/storagetest"
)

func TestStoragetest(t *testing.T) {
	storagetest.Run(t,
		func(t *testing.T) storage.AllStorage { return newStore(t) },
		// Each enrollment costs several file creations, which dominate
		// the run time. The 70,000 unknown IDs still exceed what one SQL
		// statement takes, and that limit is what the case checks.
		storagetest.WithManyIDs(200, 70000),
		storagetest.WithSkip("push cert",
			"the file layout's stale token is the certificate file's modification time, "+
				"not a counter; TestPushCertStaleToken checks that it changes on every store"),
	)
}

// TestLateReportKept checks that a final report for a command that was
// already answered, or cleared, is written next to that command while
// the queue stays as it was.
func TestLateReportKept(t *testing.T) {
	root, s := newLegacyStore(t)
	dev := request(t, fixtureUDID, "", nil)
	if err := s.ClearQueue(dev); err != nil {
		t.Fatalf("ClearQueue: %v", err)
	}
	tests := []struct {
		name  string
		uuid  string
		queue string
	}{
		{name: "answered", uuid: uuidDone, queue: "QueueDone"},
		{name: "cleared", uuid: uuidFirst, queue: "QueueInactive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := reportPlist(fixtureUDID, tc.uuid, mdm.StatusError)
			err := s.StoreCommandReport(dev, decodeReport(t, raw))
			if !errors.Is(err, storage.ErrCommandNotQueued) {
				t.Errorf("StoreCommandReport: got error %v, want %v", err, storage.ErrCommandNotQueued)
			}
			path := fixtureUDID + "/" + tc.queue + "/" + tc.uuid + ".result.plist"
			if got := readFile(t, root, path); string(got) != string(raw) {
				t.Errorf("%s: got %q, want the late report", path, got)
			}
		})
	}
	if cmd, err := s.RetrieveNextCommand(dev, false); err != nil || cmd != nil {
		t.Errorf("RetrieveNextCommand after clear: got %v, %v, want none", cmd, err)
	}
}
