package file_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage/file"
)

// collectMigration returns the migration stream of s, each item as
// "<MessageType> <enrollment ID>" or "error" for an error item.
func collectMigration(t *testing.T, s *file.FileStorage) []string {
	t.Helper()
	out := make(chan any)
	done := make(chan error, 1)
	go func() {
		done <- s.RetrieveMigrationCheckins(t.Context(), out)
		close(out)
	}()
	var items []string
	for item := range out {
		items = append(items, describe(item))
	}
	if err := <-done; err != nil {
		t.Fatalf("RetrieveMigrationCheckins: %v", err)
	}
	return items
}

// describe names one migration stream item.
func describe(item any) string {
	var e mdm.Enrollment
	var kind string
	switch m := item.(type) {
	case *mdm.Authenticate:
		e, kind = m.Enrollment, m.MessageType.MessageType
	case *mdm.TokenUpdate:
		e, kind = m.Enrollment, m.MessageType.MessageType
	case error:
		return "error"
	default:
		return "unexpected"
	}
	return kind + " " + e.Resolve().ID
}

func TestMigrationBadDirectories(t *testing.T) {
	root := t.TempDir()
	auth := readFixture(t, "Authenticate.2.plist")
	// A device that never sent a TokenUpdate, one whose Authenticate is
	// damaged, a directory with nothing of use, and a file at the root.
	noTokenUpdate := strings.ReplaceAll(string(auth), fixtureUDID, "NO-TOKEN-UPDATE")
	writeTree(t, root, []treeFile{
		{path: "NO-TOKEN-UPDATE/Authenticate.plist", content: []byte(noTokenUpdate)},
		{path: "DAMAGED/Authenticate.plist", content: []byte("<plist><dict>")},
		{path: "DAMAGED/TokenUpdate.plist", content: readFixture(t, "TokenUpdate.2.plist")},
		{path: "EMPTY/Disabled"},
		{path: "CertAuth.txt", content: []byte("x,y\n")},
	})
	s, err := file.New(root)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	got := collectMigration(t, s)
	want := []string{"error", "TokenUpdate " + fixtureUDID, "Authenticate NO-TOKEN-UPDATE", "error"}
	if !slices.Equal(got, want) {
		t.Errorf("migration stream: got %q, want %q", got, want)
	}
}

func TestMigrationCanceled(t *testing.T) {
	_, s := newLegacyStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	// Nobody reads the channel, so only the canceled context ends the
	// call.
	err := s.RetrieveMigrationCheckins(ctx, make(chan any))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("RetrieveMigrationCheckins: got error %v, want %v", err, context.Canceled)
	}
}
