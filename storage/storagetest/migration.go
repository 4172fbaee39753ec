package storagetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
)

// migrationItem names one message of the migration stream: its type and
// the enrollment ID it belongs to.
type migrationItem struct {
	kind string
	id   string
}

// collectMigration runs RetrieveMigrationCheckins and returns the items
// that belong to the device udid, in stream order. Items of other
// enrollments, which a shared database may hold, are dropped.
func (e *env) collectMigration(udid string) []migrationItem {
	e.t.Helper()
	out := make(chan any)
	done := make(chan error, 1)
	go func() {
		done <- e.s.RetrieveMigrationCheckins(e.t.Context(), out)
		close(out)
	}()

	var items []migrationItem
	for msg := range out {
		item, ok := describeMigration(msg)
		if ok && (item.id == udid || strings.HasPrefix(item.id, udid+":")) {
			items = append(items, item)
		}
	}
	if err := <-done; err != nil {
		e.t.Fatalf("RetrieveMigrationCheckins: %v", err)
	}
	return items
}

// describeMigration returns the type and enrollment ID of a stream item,
// or false for an error item or a message without an enrollment.
func describeMigration(msg any) (migrationItem, bool) {
	var enr mdm.Enrollment
	var kind string
	switch m := msg.(type) {
	case *mdm.Authenticate:
		enr, kind = m.Enrollment, mdm.MessageAuthenticate
	case *mdm.TokenUpdate:
		enr, kind = m.Enrollment, mdm.MessageTokenUpdate
	case *mdm.SetBootstrapToken:
		enr, kind = m.Enrollment, mdm.MessageSetBootstrapToken
	case *mdm.UserAuthenticate:
		enr, kind = m.Enrollment, mdm.MessageUserAuthenticate
	default:
		return migrationItem{}, false
	}
	id := enr.Resolve()
	if id == nil {
		return migrationItem{}, false
	}
	return migrationItem{kind: kind, id: id.ID}, true
}

// testMigration checks that the stream has the device's Authenticate,
// then its TokenUpdate, then the user channel's TokenUpdate, each once.
func testMigration(t *testing.T, e *env) {
	dev := e.enroll()
	u := e.enrollUser(dev)
	items := e.collectMigration(dev.udid)

	indexOf := func(kind, id string) int {
		i := slices.Index(items, migrationItem{kind: kind, id: id})
		if i < 0 {
			t.Fatalf("migration stream: no %s for %s in %v", kind, id, items)
		}
		return i
	}
	auth := indexOf(mdm.MessageAuthenticate, dev.udid)
	devTU := indexOf(mdm.MessageTokenUpdate, dev.udid)
	userTU := indexOf(mdm.MessageTokenUpdate, u.id().ID)
	if auth >= devTU || devTU >= userTU {
		t.Errorf("migration stream order: got %v, want Authenticate, device TokenUpdate, user TokenUpdate", items)
	}

	for _, want := range []migrationItem{{mdm.MessageAuthenticate, dev.udid}, {mdm.MessageTokenUpdate, dev.udid}} {
		if n := countItems(items, want); n != 1 {
			t.Errorf("migration stream: got %d of %+v, want 1", n, want)
		}
	}
}

func countItems(items []migrationItem, want migrationItem) int {
	n := 0
	for _, item := range items {
		if item == want {
			n++
		}
	}
	return n
}
