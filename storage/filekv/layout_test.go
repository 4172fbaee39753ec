package filekv_test

import (
	"bytes"
	"crypto/x509"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mdmforge/nanomdm/cryptoutil"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage/filekv"
	"github.com/mdmforge/nanomdm/storage/storagetest"
)

const cmdUUID = "a1b2c3d4-0000-4000-8000-000000000001"

// fixedMicros is fixedClock's time in NanoMDM's encoding: decimal
// microseconds since the Unix epoch.
const fixedMicros = "1767225600123456"

func fixedClock() time.Time { return time.UnixMicro(1767225600123456) }

// TestWrittenLayout drives one enrollment through the backend and checks
// every file it leaves, path by path, against NanoMDM's layout.
func TestWrittenLayout(t *testing.T) {
	root := t.TempDir()
	s, err := filekv.New(root, filekv.WithClock(fixedClock))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	certPEM, keyPEM := storagetest.NewPushCert(t, topic)
	identity, err := cryptoutil.DecodePEMCertificate(certPEM)
	check(t, "DecodePEMCertificate", err)
	hash := cryptoutil.CertHash(identity)
	drive(t, s, identity, certPEM, keyPEM)

	us := func(key string) string { return path("users", key) }
	en := func(key string) string { return path("enrollments", key) }
	q := func(key string) string { return path("queue", key) }
	pc := func(key string) string { return path("push_cert", key) }
	want := map[string][]byte{
		path("devices", devID+".auth"):                 authenticatePlist,
		path("devices", devID+".cert"):                 identity.Raw,
		path("devices", devID+".serial"):               []byte("C02MT66KFLHH"),
		path("devices", devID+".tok_upd"):              tokenUpdatePlist(false),
		path("devices", devID+".bstoken"):              []byte("boot\x00token"),
		us(userID + ".tok_upd"):                        tokenUpdatePlist(true),
		us(userID + ".device_ch"):                      []byte(devID),
		en(devID + ".last_seen_at"):                    []byte(fixedMicros),
		en(devID + ".type"):                            []byte("Device"),
		en(devID + ".topic"):                           []byte(topic),
		en(devID + ".push_magic"):                      []byte(pushMagic),
		en(devID + ".token"):                           pushToken,
		en(devID + ".tok_tal"):                         []byte("1"),
		en(devID + ".enrolled_at"):                     []byte(fixedMicros),
		en(userID + ".last_seen_at"):                   []byte(fixedMicros),
		en(userID + ".type"):                           []byte("User"),
		en(userID + ".topic"):                          []byte(topic),
		en(userID + ".push_magic"):                     []byte(pushMagic),
		en(userID + ".token"):                          pushToken,
		en(userID + ".tok_tal"):                        []byte("1"),
		en(userID + ".enrolled_at"):                    []byte(fixedMicros),
		en(devID + ".user_ch." + userID):               []byte("1"),
		path("cert_auth", devID+".cert_hash"):          []byte(hash),
		path("cert_auth", hash+".hash_cert"):           []byte(devID),
		q(cmdUUID + ".raw"):                            commandPlist(cmdUUID),
		q(cmdUUID + ".req_type"):                       []byte("ProfileList"),
		q(devID + "." + cmdUUID + ".queueitem.status"): []byte("Acknowledged"),
		q(devID + "." + cmdUUID + ".queueitem.report"): reportPlist(cmdUUID, "Acknowledged"),
		q(devID + ".queuekey.queue.first"):             {},
		q(devID + ".queuekey.queue.last"):              {},
		pc(topic + ".pem"):                             certPEM,
		pc(topic + ".key"):                             keyPEM,
		pc(topic + ".stale_token"):                     []byte("0"),
	}
	got := readTree(t, root)
	if diff := cmp.Diff(want, got, cmp.Comparer(bytes.Equal)); diff != "" {
		t.Errorf("files written (-want +got):\n%s", diff)
	}
	checkModes(t, root)
}

// drive stores an Authenticate, device and user TokenUpdates, a bootstrap
// token, a cert binding and a push certificate, then runs one command to
// its Acknowledged report.
func drive(t *testing.T, s *filekv.FileKV, identity *x509.Certificate, certPEM, keyPEM []byte) {
	t.Helper()
	hash := cryptoutil.CertHash(identity)
	r, msg := request(t, authenticatePlist, identity)
	check(t, "StoreAuthenticate", s.StoreAuthenticate(r, msg.(*mdm.Authenticate)))
	for _, user := range []bool{false, true} {
		r, msg = request(t, tokenUpdatePlist(user), nil)
		check(t, "StoreTokenUpdate", s.StoreTokenUpdate(r, msg.(*mdm.TokenUpdate)))
	}

	r, _ = request(t, authenticatePlist, nil)
	check(t, "AssociateCertHash", s.AssociateCertHash(r, hash))
	check(t, "StorePushCert", s.StorePushCert(r.Context, certPEM, keyPEM))
	token := &mdm.SetBootstrapToken{BootstrapToken: mdm.BootstrapToken{BootstrapToken: []byte("boot\x00token")}}
	check(t, "StoreBootstrapToken", s.StoreBootstrapToken(r, token))

	cmd, err := mdm.DecodeCommand(commandPlist(cmdUUID))
	check(t, "DecodeCommand", err)
	idErrs, err := s.EnqueueCommand(r.Context, []string{devID}, cmd)
	check(t, "EnqueueCommand", err)
	if len(idErrs) != 0 {
		t.Fatalf("EnqueueCommand: got per-ID errors %v, want none", idErrs)
	}
	r, msg = request(t, reportPlist(cmdUUID, "Acknowledged"), nil)
	check(t, "StoreCommandReport", s.StoreCommandReport(r, msg.(*mdm.CommandResults)))
}

func check(t *testing.T, step string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// checkModes checks that directories get 0777 and files 0666, less the
// umask, by comparing with a file and directory made the same way.
func checkModes(t *testing.T, root string) {
	t.Helper()
	refDir := filepath.Join(t.TempDir(), "ref")
	if err := os.Mkdir(refDir, 0o777); err != nil {
		t.Fatal(err)
	}
	refFile := filepath.Join(refDir, "f")
	if err := os.WriteFile(refFile, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	wantModes := map[bool]os.FileMode{true: modeOf(t, refDir), false: modeOf(t, refFile)}

	var bad []string
	_ = filepath.WalkDir(root, func(name string, d os.DirEntry, err error) error {
		if err == nil && name != root && modeOf(t, name) != wantModes[d.IsDir()] {
			bad = append(bad, name)
		}
		return err
	})
	slices.Sort(bad)
	if len(bad) > 0 {
		t.Errorf("modes of %v: got other than %v (dirs) and %v (files)", bad, wantModes[true], wantModes[false])
	}
}

func modeOf(t *testing.T, name string) os.FileMode {
	t.Helper()
	info, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}
