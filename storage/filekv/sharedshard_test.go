package filekv_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage/filekv"
)

// iOSUDID returns the i-th made-up iOS UDID. Like real ones, they all
// start with "0000", so every enrollment shares one shard directory.
func iOSUDID(i int) string { return fmt.Sprintf("00008030-%016X", i) }

// enrollShared sends a TokenUpdate for n devices in one shard directory,
// and one for a user channel of every device whose index withUser picks.
func enrollShared(tb testing.TB, s *filekv.FileKV, n int, withUser func(int) bool) {
	tb.Helper()
	push := &mdm.TokenUpdate{Push: mdm.Push{Topic: topic, PushMagic: pushMagic, Token: pushToken}}
	for i := range n {
		r := mdm.NewRequest(context.Background(), nil)
		r.EnrollID = &mdm.EnrollID{Type: mdm.Device, ID: iOSUDID(i)}
		if err := s.StoreTokenUpdate(r, push); err != nil {
			tb.Fatalf("StoreTokenUpdate(%s): %v", r.ID, err)
		}
		if !withUser(i) {
			continue
		}
		r.EnrollID = &mdm.EnrollID{Type: mdm.User, ID: iOSUDID(i) + ":USER", ParentID: iOSUDID(i)}
		if err := s.StoreTokenUpdate(r, push); err != nil {
			tb.Fatalf("StoreTokenUpdate(%s): %v", r.ID, err)
		}
	}
}

// authenticate sends a device Authenticate for id.
func authenticate(tb testing.TB, s *filekv.FileKV, id string) {
	tb.Helper()
	r := mdm.NewRequest(context.Background(), nil)
	r.EnrollID = &mdm.EnrollID{Type: mdm.Device, ID: id}
	if err := s.StoreAuthenticate(r, &mdm.Authenticate{SerialNumber: "SERIAL"}); err != nil {
		tb.Fatalf("StoreAuthenticate(%s): %v", id, err)
	}
}

// TestManyDevicesInOneShardDirectory enrolls devices that share a shard
// directory, some with a user channel, and checks that Authenticate
// resets the tally of exactly the authenticating device's user channel,
// including one added after the directory was first listed.
func TestManyDevicesInOneShardDirectory(t *testing.T) {
	root := t.TempDir()
	s := newStoreAt(t, root)
	const n = 300
	enrollShared(t, s, n, func(i int) bool { return i%3 == 0 })
	authenticate(t, s, iOSUDID(1)) // the first listing of the directory
	enrollShared(t, s, n, func(i int) bool { return i%3 == 0 || i == 2 })

	for _, i := range []int{0, 2, 4} {
		authenticate(t, s, iOSUDID(i))
	}
	dir := filepath.Join(root, "enrollments", "00", "00")
	for i := range n {
		tally := filepath.Join(dir, iOSUDID(i)+":USER.tok_tal")
		_, err := os.Stat(tally)
		hasUser := i%3 == 0 || i == 2
		reset := i == 0 || i == 2
		switch {
		case hasUser && reset && err == nil:
			t.Errorf("device %d: user channel tally still stored, want it reset by Authenticate", i)
		case hasUser && !reset && err != nil:
			t.Errorf("device %d: user channel tally: got %v, want it kept", i, err)
		case !hasUser && err == nil:
			t.Errorf("device %d: got a user channel tally, want none", i)
		}
	}
}

// BenchmarkAuthenticateSharedDirectory measures a device Authenticate
// when the device shares its shard directory with n-1 others, one in ten
// of them with a user channel. Both runs authenticate the same 100
// devices, so they differ only in the size of the directory. The cost
// should not grow with n.
func BenchmarkAuthenticateSharedDirectory(b *testing.B) {
	for _, n := range []int{100, 5000} {
		b.Run(fmt.Sprintf("devices=%d", n), func(b *testing.B) {
			s, err := filekv.New(b.TempDir())
			if err != nil {
				b.Fatalf("New: %v", err)
			}
			enrollShared(b, s, n, func(i int) bool { return i%10 == 0 })
			i := 0
			for b.Loop() {
				authenticate(b, s, iOSUDID(i%100))
				i++
			}
		})
	}
}
