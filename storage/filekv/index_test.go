package filekv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// checkListing compares the bucket's listing of prefix with a read of the
// directory on disk.
func checkListing(t *testing.T, b *bucket, prefix string) {
	t.Helper()
	got, err := b.KeysPrefix(context.Background(), prefix)
	if err != nil {
		t.Fatalf("KeysPrefix(%s): %v", prefix, err)
	}
	want, err := listPrefix(filepath.Dir(b.path(prefix)), prefix)
	if err != nil {
		t.Fatalf("listing %s on disk: %v", prefix, err)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("KeysPrefix(%s): got %q, want %q as on disk", prefix, got, want)
	}
}

// indexDevices are the device IDs whose user channels indexSteps changes.
// 0000AB starts with 0000A, so the listing of one must leave out the other.
var indexDevices = []string{"0000A", "0000AB", "0000C"}

// indexSteps are the changes TestIndexedListingFollowsSetAndDelete makes
// in order, each followed by a listing of every device in indexDevices.
var indexSteps = []struct {
	name string
	del  bool
	key  string
}{
	{name: "add to device with stored channel", key: "0000A.user_ch.U1"},
	{name: "add to longer ID", key: "0000AB.user_ch.U1"},
	{name: "add to new device", key: "0000C.user_ch.U2"},
	{name: "add twice", key: "0000C.user_ch.U2"},
	{name: "unrelated key", key: "0000C.topic"},
	{name: "remove stored channel", del: true, key: "0000A.user_ch.OLD"},
	{name: "remove added channel", del: true, key: "0000C.user_ch.U2"},
	{name: "remove missing channel", del: true, key: "0000C.user_ch.U9"},
	{name: "remove only channel of longer ID", del: true, key: "0000AB.user_ch.U1"},
	{name: "add again", key: "0000C.user_ch.U2"},
}

func TestIndexedListingFollowsSetAndDelete(t *testing.T) {
	root := t.TempDir()
	b := newBucket(root, false, 1<<20, userChannelInfix)
	// A user channel stored before the process started.
	shardDir := filepath.Join(root, "00", "00")
	if err := os.MkdirAll(shardDir, 0o777); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"0000A.user_ch.OLD", "0000A.topic"} {
		if err := os.WriteFile(filepath.Join(shardDir, name), []byte("1"), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	for _, tc := range indexSteps {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.del {
				err = b.Delete(ctx, tc.key)
			} else {
				err = b.Set(ctx, tc.key, []byte("1"))
			}
			if err != nil {
				t.Fatalf("changing %s: %v", tc.key, err)
			}
			for _, dev := range indexDevices {
				checkListing(t, b, dev+userChannelInfix)
			}
		})
	}
}

func TestIndexReadsDirectoryAgainAfterFailedWrite(t *testing.T) {
	root := t.TempDir()
	b := newBucket(root, false, 1<<20, userChannelInfix)
	ctx := context.Background()
	if err := b.Set(ctx, "0000A.user_ch.U1", []byte("1")); err != nil {
		t.Fatal(err)
	}
	checkListing(t, b, "0000A"+userChannelInfix)

	// A directory where a key's file belongs makes its write fail.
	bad := "0000A.user_ch.DIR"
	if err := os.Mkdir(b.path(bad), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := b.Set(ctx, bad, []byte("1")); err == nil {
		t.Fatalf("Set(%s) over a directory: got no error, want one", bad)
	}
	// A file that appeared without the bucket is seen once the
	// directory is read again.
	if err := os.WriteFile(b.path("0000A.user_ch.U2"), nil, 0o666); err != nil {
		t.Fatal(err)
	}
	checkListing(t, b, "0000A"+userChannelInfix)
}

func TestIndexedListingConcurrent(t *testing.T) {
	b := newBucket(t.TempDir(), false, 1<<20, userChannelInfix)
	var wg sync.WaitGroup
	for d := range 16 {
		wg.Go(func() { churnUserChannels(t, b, fmt.Sprintf("0000-DEVICE-%02d", d)) })
	}
	wg.Wait()
	for d := range 16 {
		checkListing(t, b, fmt.Sprintf("0000-DEVICE-%02d", d)+userChannelInfix)
	}
}

// churnUserChannels adds and removes user channels of dev, checking after
// each change that the listing matches what this goroutine stored.
func churnUserChannels(t *testing.T, b *bucket, dev string) {
	ctx := context.Background()
	prefix := dev + userChannelInfix
	want := map[string]bool{}
	for i := range 40 {
		key := fmt.Sprintf("%sU%d", prefix, i%3)
		var err error
		if i%2 == 0 {
			err = b.Set(ctx, key, []byte("1"))
		} else {
			err = b.Delete(ctx, key)
		}
		if err != nil {
			t.Errorf("changing %s: %v", key, err)
			return
		}
		want[key] = i%2 == 0
		got, err := b.KeysPrefix(ctx, prefix)
		if err != nil {
			t.Errorf("KeysPrefix(%s): %v", prefix, err)
			return
		}
		if n := countTrue(want); len(got) != n {
			t.Errorf("KeysPrefix(%s) after step %d: got %q, want %d keys", prefix, i, got, n)
		}
		for _, k := range got {
			if !want[k] {
				t.Errorf("KeysPrefix(%s) after step %d: got deleted key %s", prefix, i, k)
			}
		}
	}
}

func countTrue(m map[string]bool) int {
	n := 0
	for _, v := range m {
		if v {
			n++
		}
	}
	return n
}
