package allmulti_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
	"github.com/mdmforge/nanomdm/storage/allmulti"
	"github.com/mdmforge/nanomdm/storage/inmem"
	"github.com/mdmforge/nanomdm/storage/storagetest"
)

func TestStorage(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.AllStorage {
		return allmulti.New(nil, inmem.New(), inmem.New())
	})
}

// failingStore is an inmem store whose tally lookups and TokenUpdates fail.
type failingStore struct {
	*inmem.InMem
}

var errBroken = errors.New("broken backend")

func (failingStore) RetrieveTokenUpdateTally(context.Context, string) (int, error) {
	return 0, errBroken
}

func (failingStore) StoreTokenUpdate(*mdm.Request, *mdm.TokenUpdate) error {
	return errBroken
}

func tokenUpdate(t *testing.T, udid string) (*mdm.Request, *mdm.TokenUpdate) {
	t.Helper()
	raw := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>MessageType</key><string>TokenUpdate</string>
<key>PushMagic</key><string>magic</string>
<key>Token</key><data>AQID</data>
<key>Topic</key><string>com.apple.mgmt.External.x</string>
<key>UDID</key><string>` + udid + `</string>
</dict></plist>`)
	msg, err := mdm.DecodeCheckin(raw)
	if err != nil {
		t.Fatalf("decoding TokenUpdate: %v", err)
	}
	tu := msg.(*mdm.TokenUpdate)
	r := mdm.NewRequest(context.Background(), nil)
	r.EnrollID = tu.Resolve()
	return r, tu
}

func TestMirrorError(t *testing.T) {
	tests := []struct {
		name    string
		order   func(good, bad storage.AllStorage) []storage.AllStorage
		wantErr bool
		wantLog string
	}{
		{
			name:    "mirror fails",
			order:   func(good, bad storage.AllStorage) []storage.AllStorage { return []storage.AllStorage{good, bad} },
			wantLog: "storage=1",
		},
		{
			name:    "first fails",
			order:   func(good, bad storage.AllStorage) []storage.AllStorage { return []storage.AllStorage{bad, good} },
			wantErr: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			good := inmem.New()
			m := allmulti.New(log.New(&buf, false), tc.order(good, failingStore{inmem.New()})...)

			r, msg := tokenUpdate(t, "DEV-1")
			err := m.StoreTokenUpdate(r, msg)
			if gotErr := errors.Is(err, errBroken); gotErr != tc.wantErr {
				t.Errorf("StoreTokenUpdate error: got %v, want broken backend error %v", err, tc.wantErr)
			}
			if !strings.Contains(buf.String(), tc.wantLog) {
				t.Errorf("log: got %q, want it to contain %q", buf.String(), tc.wantLog)
			}
			// The working backend stored the TokenUpdate either way.
			if n, err := good.RetrieveTokenUpdateTally(context.Background(), "DEV-1"); err != nil || n != 1 {
				t.Errorf("tally on working backend: got %d, %v, want 1, no error", n, err)
			}
		})
	}
}

func TestMigrationFirstOnly(t *testing.T) {
	second := inmem.New()
	m := allmulti.New(nil, inmem.New(), second)
	// DEV-BOTH goes through Multi to both backends, DEV-SECOND only to
	// the second.
	enrollments := []struct {
		store storage.AllStorage
		udid  string
	}{
		{store: m, udid: "DEV-BOTH"},
		{store: second, udid: "DEV-SECOND"},
	}
	for _, e := range enrollments {
		r, msg := tokenUpdate(t, e.udid)
		auth, err := mdm.DecodeCheckin([]byte(`<plist version="1.0"><dict>
<key>MessageType</key><string>Authenticate</string>
<key>Topic</key><string>com.apple.mgmt.External.x</string>
<key>UDID</key><string>` + e.udid + `</string></dict></plist>`))
		if err != nil {
			t.Fatal(err)
		}
		if err := e.store.StoreAuthenticate(r, auth.(*mdm.Authenticate)); err != nil {
			t.Fatal(err)
		}
		if err := e.store.StoreTokenUpdate(r, msg); err != nil {
			t.Fatal(err)
		}
	}

	out := make(chan any, 100)
	if err := m.RetrieveMigrationCheckins(context.Background(), out); err != nil {
		t.Fatalf("RetrieveMigrationCheckins: %v", err)
	}
	close(out)
	var ids []string
	for item := range out {
		if tu, ok := item.(*mdm.TokenUpdate); ok {
			ids = append(ids, tu.UDID)
		}
	}
	if len(ids) != 1 || ids[0] != "DEV-BOTH" {
		t.Errorf("migrated TokenUpdates: got %v, want [DEV-BOTH]", ids)
	}
}
