package filekv_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage/filekv"
	"github.com/mdmforge/nanomdm/storage/storagetest"
)

// Command UUIDs of the hand-built queue. In it, A is deferred with
// NotNow, B was acknowledged but is still linked, C is pending and links
// back to A, and D is pending behind C. NanoMDM could leave an answered
// item linked like B; the loop from C back to A stands for the cycle it
// could create in theory.
const (
	uuidA = "aaaaaaaa-0000-4000-8000-000000000001"
	uuidB = "bbbbbbbb-0000-4000-8000-000000000002"
	uuidC = "cccccccc-0000-4000-8000-000000000003"
	hash1 = "1111111111111111111111111111111111111111111111111111111111111111"
	hash2 = "2222222222222222222222222222222222222222222222222222222222222222"
)

// nanoMDMTree returns a directory as NanoMDM writes it: one device with a
// user channel, a bootstrap token, two certificate hashes, a damaged
// queue and a push certificate.
func nanoMDMTree(certPEM, keyPEM []byte) map[string][]byte {
	dv := func(key string) string { return path("devices", key) }
	en := func(key string) string { return path("enrollments", key) }
	q := func(key string) string { return path("queue", key) }
	item := func(uuid, field string) string { return q(devID + "." + uuid + ".queueitem." + field) }
	files := map[string][]byte{
		dv(devID + ".auth"):                     authenticatePlist,
		dv(devID + ".tok_upd"):                  tokenUpdatePlist(false),
		dv(devID + ".serial"):                   []byte("C02MT66KFLHH"),
		dv(devID + ".bstoken"):                  []byte("raw\x01token"),
		path("users", userID+".tok_upd"):        tokenUpdatePlist(true),
		path("users", userID+".device_ch"):      []byte(devID),
		en(devID + ".tok_tal"):                  []byte("3"),
		en(userID + ".tok_tal"):                 []byte("1"),
		en(devID + ".user_ch." + userID):        []byte("1"),
		path("cert_auth", devID+".cert_hash"):   []byte(hash2),
		path("cert_auth", hash1+".hash_cert"):   []byte(devID),
		path("cert_auth", hash2+".hash_cert"):   []byte(devID),
		q(devID + ".queuekey.queue.first"):      []byte(uuidA),
		q(devID + ".queuekey.queue.last"):       []byte(uuidC),
		item(uuidA, "status"):                   []byte("NotNow"),
		item(uuidA, "next"):                     []byte(uuidB),
		item(uuidB, "prev"):                     []byte(uuidA),
		item(uuidB, "status"):                   []byte("Acknowledged"),
		item(uuidB, "next"):                     []byte(uuidC),
		item(uuidC, "prev"):                     []byte(uuidB),
		item(uuidC, "next"):                     []byte(uuidA),
		path("push_cert", topic+".pem"):         certPEM,
		path("push_cert", topic+".key"):         keyPEM,
		path("push_cert", topic+".stale_token"): []byte("4"),
	}
	for _, id := range []string{devID, userID} {
		files[en(id+".topic")] = []byte(topic)
		files[en(id+".push_magic")] = []byte(pushMagic)
		files[en(id+".token")] = pushToken
		files[en(id+".type")] = []byte("Device")
	}
	files[en(userID+".type")] = []byte("User")
	for _, uuid := range []string{uuidA, uuidB, uuidC} {
		files[q(uuid+".raw")] = commandPlist(uuid)
		files[q(uuid+".req_type")] = []byte("ProfileList")
	}
	return files
}

// TestReadNanoMDMDirectory opens a directory built file by file in
// NanoMDM's layout and reads every kind of value back.
func TestReadNanoMDMDirectory(t *testing.T) {
	root := t.TempDir()
	certPEM, keyPEM := storagetest.NewPushCert(t, topic)
	writeTree(t, root, nanoMDMTree(certPEM, keyPEM))
	s, err := filekv.New(root)
	check(t, "New", err)
	ctx := context.Background()

	infos, err := s.RetrievePushInfo(ctx, []string{devID, userID})
	check(t, "RetrievePushInfo", err)
	for _, id := range []string{devID, userID} {
		p := infos[id]
		if p == nil || p.Topic != topic || p.PushMagic != pushMagic || !bytes.Equal(p.Token, pushToken) {
			t.Errorf("push info of %s: got %+v, want topic %s, magic %s, token %x", id, p, topic, pushMagic, pushToken)
		}
	}
	for id, want := range map[string]int{devID: 3, userID: 1} {
		got, err := s.RetrieveTokenUpdateTally(ctx, id)
		check(t, "RetrieveTokenUpdateTally", err)
		if got != want {
			t.Errorf("tally of %s: got %d, want %d", id, got, want)
		}
	}

	r, _ := request(t, authenticatePlist, nil)
	token, err := s.RetrieveBootstrapToken(r, nil)
	check(t, "RetrieveBootstrapToken", err)
	if token == nil || string(token.BootstrapToken) != "raw\x01token" {
		t.Errorf("bootstrap token: got %+v, want raw\\x01token", token)
	}
	checkCertAuth(t, s, r)
	checkPushCert(t, s)
}

func checkCertAuth(t *testing.T, s *filekv.FileKV, r *mdm.Request) {
	t.Helper()
	for hash, want := range map[string]bool{hash1: false, hash2: true} {
		got, err := s.IsCertHashAssociated(r, hash)
		check(t, "IsCertHashAssociated", err)
		if got != want {
			t.Errorf("IsCertHashAssociated(%.8s…): got %v, want %v", hash, got, want)
		}
		owner, err := s.EnrollmentFromHash(r.Context, hash)
		check(t, "EnrollmentFromHash", err)
		if owner != devID {
			t.Errorf("EnrollmentFromHash(%.8s…): got %q, want %q", hash, owner, devID)
		}
	}
}

func checkPushCert(t *testing.T, s *filekv.FileKV) {
	t.Helper()
	cert, stale, err := s.RetrievePushCert(context.Background(), topic)
	check(t, "RetrievePushCert", err)
	if stale != "4" || cert == nil {
		t.Errorf("RetrievePushCert: got stale token %q, want %q", stale, "4")
	}
	isStale, err := s.IsPushCertStale(context.Background(), topic, "4")
	check(t, "IsPushCertStale", err)
	if isStale {
		t.Errorf("IsPushCertStale(4): got true, want false")
	}
}

// TestDamagedNanoMDMQueue walks the hand-built queue: the acknowledged
// item is never delivered, the loop does not hang, and new commands
// still arrive.
func TestDamagedNanoMDMQueue(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, nanoMDMTree(storagetest.NewPushCert(t, topic)))
	s, err := filekv.New(root)
	check(t, "New", err)
	r, _ := request(t, authenticatePlist, nil)

	steps := []struct {
		name       string
		skipNotNow bool
		want       string
		answer     string // status reported for want, if any
	}{
		{name: "NotNow first", want: uuidA},
		{name: "skip NotNow", skipNotNow: true, want: uuidC, answer: "Acknowledged"},
		{name: "deferred again", want: uuidA, answer: "Error"},
		{name: "empty", want: ""},
	}
	for _, step := range steps {
		cmd, err := s.RetrieveNextCommand(r, step.skipNotNow)
		check(t, step.name, err)
		got := ""
		if cmd != nil {
			got = cmd.CommandUUID
		}
		if got != step.want {
			t.Fatalf("%s: got next command %q, want %q", step.name, got, step.want)
		}
		if step.answer != "" {
			_, report := request(t, reportPlist(got, step.answer), nil)
			check(t, step.name, s.StoreCommandReport(r, report.(*mdm.CommandResults)))
		}
	}

	// A command enqueued now is delivered.
	cmd, err := mdm.DecodeCommand(commandPlist(cmdUUID))
	check(t, "DecodeCommand", err)
	_, err = s.EnqueueCommand(r.Context, []string{devID}, cmd)
	check(t, "EnqueueCommand", err)
	next, err := s.RetrieveNextCommand(r, false)
	check(t, "RetrieveNextCommand", err)
	if next == nil || next.CommandUUID != cmdUUID {
		t.Errorf("next command after enqueue: got %+v, want %s", next, cmdUUID)
	}
}
