package file_test

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/mdm/devicesim"
	"github.com/mdmforge/nanomdm/storage/file"
)

// TestWrittenPaths checks that each operation writes the files NanoMDM's
// file backend reads, at the same paths and in the same encodings.
func TestWrittenPaths(t *testing.T) {
	root := t.TempDir()
	s := openStore(t, root)
	cert := identityCert(t)
	dev := request(t, fixtureUDID, "", cert)
	user := request(t, fixtureUDID, fixtureUserID, nil)
	auth := decodeCheckin[*mdm.Authenticate](t, readFixture(t, "Authenticate.2.plist"))
	if err := s.StoreAuthenticate(dev, auth); err != nil {
		t.Fatalf("StoreAuthenticate: %v", err)
	}
	tu := decodeCheckin[*mdm.TokenUpdate](t, readFixture(t, "TokenUpdate.2.plist"))
	if err := s.StoreTokenUpdate(dev, tu); err != nil {
		t.Fatalf("StoreTokenUpdate: %v", err)
	}
	userTU := decodeCheckin[*mdm.TokenUpdate](t, userTokenUpdatePlist(fixtureUDID, fixtureUserID))
	if err := s.StoreTokenUpdate(user, userTU); err != nil {
		t.Fatalf("StoreTokenUpdate(user): %v", err)
	}
	if err := s.AssociateCertHash(dev, legacyHash1); err != nil {
		t.Fatalf("AssociateCertHash: %v", err)
	}
	const uuid = "eeee0000-0000-4000-8000-000000000005"
	if _, err := s.EnqueueCommand(t.Context(), []string{dev.ID}, decodeCommand(t, commandPlist(uuid))); err != nil {
		t.Fatalf("EnqueueCommand: %v", err)
	}

	d := fixtureUDID + "/"
	want := []struct {
		path    string
		content []byte
	}{
		{path: d + "Authenticate.plist", content: auth.Raw.Raw},
		{path: d + "Identity.pem", content: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})},
		{path: d + "SerialNumber.txt", content: []byte("C02MT66KFLHH")},
		{path: d + "TokenUpdate.plist", content: tu.Raw.Raw},
		{path: d + "TokenUpdate.tally.txt", content: []byte("1")},
		{path: d + "CertAuth.sha256.txt", content: []byte(legacyHash1)},
		{path: d + "SubEnrollments/" + user.ID, content: []byte{}},
		{path: d + "Queue/" + uuid + ".plist", content: commandPlist(uuid)},
		{path: user.ID + "/TokenUpdate.plist", content: userTU.Raw.Raw},
		{path: user.ID + "/TokenUpdate.tally.txt", content: []byte("1")},
		{path: "CertAuth.txt", content: []byte(fixtureUDID + "," + legacyHash1 + "\n")},
	}
	for _, w := range want {
		if got := readFile(t, root, w.path); !bytes.Equal(got, w.content) {
			t.Errorf("%s: got %q, want %q", w.path, got, w.content)
		}
	}

	if err := s.Disable(dev); err != nil {
		t.Fatalf("Disable: %v", err)
	}
	for _, id := range []string{dev.ID, user.ID} {
		if !fileExists(t, root, id+"/Disabled") {
			t.Errorf("%s/Disabled: missing after Disable", id)
		}
		if got := readFile(t, root, id+"/TokenUpdate.tally.txt"); string(got) != "0" {
			t.Errorf("%s tally after Disable: got %q, want 0", id, got)
		}
	}
	if err := s.ClearQueue(dev); err != nil {
		t.Fatalf("ClearQueue: %v", err)
	}
	if !fileExists(t, root, d+"QueueInactive/"+uuid+".plist") || fileExists(t, root, d+"Queue/"+uuid+".plist") {
		t.Errorf("ClearQueue: command %s not moved to QueueInactive", uuid)
	}
	assertNoTempFiles(t, root)
}

// TestAuthenticateWithoutCertificate checks that an Authenticate without
// a certificate or serial number, as /migration sends it, removes those
// of an earlier Authenticate along with the bootstrap token.
func TestAuthenticateWithoutCertificate(t *testing.T) {
	root := t.TempDir()
	writeLegacyTree(t, root)
	writeTree(t, root, []treeFile{{path: fixtureUDID + "/Identity.pem", content: []byte("old")}})
	s, err := file.New(root)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	raw := bytes.Replace(readFixture(t, "Authenticate.2.plist"), []byte("C02MT66KFLHH"), nil, 1)
	auth := decodeCheckin[*mdm.Authenticate](t, raw)
	if err := s.StoreAuthenticate(request(t, fixtureUDID, "", nil), auth); err != nil {
		t.Fatalf("StoreAuthenticate: %v", err)
	}
	for _, name := range []string{"Identity.pem", "SerialNumber.txt", "BootstrapToken.dat"} {
		if fileExists(t, root, fixtureUDID+"/"+name) {
			t.Errorf("%s: still present after Authenticate without it", name)
		}
	}
	if got := readFile(t, root, fixtureUDID+"/UnlockToken.dat"); string(got) != "unlock" {
		t.Errorf("UnlockToken.dat: got %q, want it kept", got)
	}
}

// identityCert returns a fresh self-signed device identity certificate.
func identityCert(t *testing.T) *x509.Certificate {
	t.Helper()
	id, err := devicesim.NewSelfSignedIdentity(devicesim.ECDSAP256)
	if err != nil {
		t.Fatalf("making identity: %v", err)
	}
	return id.Cert
}

// assertNoTempFiles fails the test when a half-written file is left
// anywhere under root.
func assertNoTempFiles(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
