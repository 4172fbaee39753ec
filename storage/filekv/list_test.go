package filekv

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestListPrefix(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"DEV1.user_ch.A", "DEV1.user_ch.B", "DEV1.topic", "DEV10.user_ch.C"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("1"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "DEV1.user_ch.dir"), 0o700); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		dir    string
		prefix string
		want   []string
	}{
		{name: "user channels", dir: dir, prefix: "DEV1.user_ch.", want: []string{"DEV1.user_ch.A", "DEV1.user_ch.B"}},
		{name: "longer ID", dir: dir, prefix: "DEV10.", want: []string{"DEV10.user_ch.C"}},
		{name: "no match", dir: dir, prefix: "DEV2.", want: nil},
		{name: "missing directory", dir: filepath.Join(dir, "missing"), prefix: "DEV1.", want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := listPrefix(tc.dir, tc.prefix)
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestListPrefixManyEntries(t *testing.T) {
	dir := t.TempDir()
	// More entries than one read of the directory returns, every 100th of
	// them a user channel.
	var want []string
	for i := range 3000 {
		name := fmt.Sprintf("LOAD-DEVICE-%04d.tok_tal", i)
		if i%100 == 0 {
			name = fmt.Sprintf("LOAD-DEVICE-%04d.user_ch.U", i)
			want = append(want, name)
		}
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	all, err := listPrefix(dir, "LOAD-DEVICE-")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3000 {
		t.Errorf("all devices: got %d names, want 3000", len(all))
	}
	var users []string
	for _, name := range all {
		if strings.HasSuffix(name, ".user_ch.U") {
			users = append(users, name)
		}
	}
	slices.Sort(users)
	if !slices.Equal(users, want) {
		t.Errorf("user channels: got %d names, want %d", len(users), len(want))
	}
}
