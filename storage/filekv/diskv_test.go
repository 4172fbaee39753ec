package filekv_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/peterbourgon/diskv/v3"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage/filekv"
)

// nanoMDMDiskv opens one bucket of root the way NanoMDM's filekv backend
// configures github.com/peterbourgon/diskv/v3: two directory levels from
// the key's first four bytes, zero-padded on the left, with the push topic
// prefix stripped first in the push_cert bucket.
func nanoMDMDiskv(root, bucket string) *diskv.Diskv {
	strip := ""
	if bucket == "push_cert" {
		strip = "com.apple.mgmt.External."
	}
	return diskv.New(diskv.Options{
		BasePath: filepath.Join(root, bucket),
		Transform: func(key string) []string {
			key = strings.TrimPrefix(key, strip)
			if len(key) < 4 {
				key = strings.Repeat("0", 4-len(key)) + key
			}
			return []string{key[0:2], key[2:4]}
		},
		CacheSizeMax: 1024 * 1024,
	})
}

// TestReadsWhatDiskvWrote writes an enrollment and a queued command with
// diskv itself, as NanoMDM would, and reads them through the store.
func TestReadsWhatDiskvWrote(t *testing.T) {
	root := t.TempDir()
	enrollments := nanoMDMDiskv(root, "enrollments")
	queue := nanoMDMDiskv(root, "queue")
	writes := []struct {
		d     *diskv.Diskv
		key   string
		value []byte
	}{
		{enrollments, devID + ".topic", []byte(topic)},
		{enrollments, devID + ".push_magic", []byte(pushMagic)},
		{enrollments, devID + ".token", pushToken},
		{enrollments, devID + ".type", []byte("Device")},
		{queue, "C1.raw", commandPlist("C1")},
		{queue, "C1.req_type", []byte("DeviceInformation")},
		{queue, devID + ".queuekey.queue.first", []byte("C1")},
		{queue, devID + ".queuekey.queue.last", []byte("C1")},
	}
	for _, w := range writes {
		if err := w.d.Write(w.key, w.value); err != nil {
			t.Fatalf("diskv write %s: %v", w.key, err)
		}
	}

	s := newStoreAt(t, root)
	ctx := context.Background()
	infos, err := s.RetrievePushInfo(ctx, []string{devID})
	check(t, "RetrievePushInfo", err)
	got := infos[devID]
	if got == nil || got.Topic != topic || got.PushMagic != pushMagic || !bytes.Equal(got.Token, pushToken) {
		t.Errorf("RetrievePushInfo: got %+v, want topic %s, magic %s, token %x", got, topic, pushMagic, pushToken)
	}

	r := mdm.NewRequest(ctx, nil)
	r.EnrollID = &mdm.EnrollID{Type: mdm.Device, ID: devID}
	cmd, err := s.RetrieveNextCommand(r, false)
	check(t, "RetrieveNextCommand", err)
	if cmd == nil || cmd.CommandUUID != "C1" || !bytes.Equal(cmd.Raw.Raw, commandPlist("C1")) {
		t.Errorf("RetrieveNextCommand: got %+v, want command C1 as diskv stored it", cmd)
	}
}

// TestDiskvReadsWhatWeWrote stores a TokenUpdate and a command through the
// store and reads the keys back with diskv itself, as NanoMDM would.
func TestDiskvReadsWhatWeWrote(t *testing.T) {
	root := t.TempDir()
	s := newStoreAt(t, root)
	r, msg := request(t, tokenUpdatePlist(false), nil)
	check(t, "StoreTokenUpdate", s.StoreTokenUpdate(r, msg.(*mdm.TokenUpdate)))
	cmd, err := mdm.DecodeCommand(commandPlist("C2"))
	check(t, "DecodeCommand", err)
	_, err = s.EnqueueCommand(context.Background(), []string{devID}, cmd)
	check(t, "EnqueueCommand", err)

	enrollments := nanoMDMDiskv(root, "enrollments")
	queue := nanoMDMDiskv(root, "queue")
	reads := []struct {
		d    *diskv.Diskv
		key  string
		want []byte
	}{
		{enrollments, devID + ".topic", []byte(topic)},
		{enrollments, devID + ".push_magic", []byte(pushMagic)},
		{enrollments, devID + ".type", []byte("Device")},
		{queue, "C2.raw", commandPlist("C2")},
		{queue, devID + ".queuekey.queue.first", []byte("C2")},
	}
	for _, rd := range reads {
		got, err := rd.d.Read(rd.key)
		if err != nil {
			t.Errorf("diskv read %s: %v", rd.key, err)
			continue
		}
		if !bytes.Equal(got, rd.want) {
			t.Errorf("diskv read %s: got %q, want %q", rd.key, got, rd.want)
		}
	}

	var keys []string
	for key := range enrollments.KeysPrefix(devID+".", nil) {
		keys = append(keys, key)
	}
	if len(keys) < 4 {
		t.Errorf("diskv KeysPrefix(%s.): got %v, want at least topic, push_magic, token and type", devID, keys)
	}
}

// newStoreAt opens the store on root.
func newStoreAt(t *testing.T, root string) *filekv.FileKV {
	t.Helper()
	s, err := filekv.New(root)
	if err != nil {
		t.Fatalf("filekv.New(%s): %v", root, err)
	}
	return s
}
