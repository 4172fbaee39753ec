package file_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mdmforge/nanomdm/mdm/devicesim"
	"github.com/mdmforge/nanomdm/storage/file"
)

// TestCertAuthFileEdits checks that lookups follow CertAuth.txt as other
// writers change it: Windows line endings, a line still being written,
// and a file replaced by a shorter one.
func TestCertAuthFileEdits(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "CertAuth.txt")
	s, err := file.New(root)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	owner := func(hash string) string {
		t.Helper()
		id, err := s.EnrollmentFromHash(t.Context(), hash)
		if err != nil {
			t.Fatalf("EnrollmentFromHash(%s): %v", hash, err)
		}
		return id
	}
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	steps := []struct {
		name    string
		content string
		hash    string
		want    string
	}{
		{name: "no file", hash: legacyHash1, want: ""},
		{name: "CRLF line", content: "DEV-1," + legacyHash1 + "\r\n", hash: legacyHash1, want: "DEV-1"},
		{name: "partial line", content: "DEV-1," + legacyHash1 + "\r\nDEV-2," + legacyHash2, hash: legacyHash2, want: ""},
		{name: "line completed", content: "DEV-1," + legacyHash1 + "\r\nDEV-2," + legacyHash2 + "\n", hash: legacyHash2, want: "DEV-2"},
		{name: "substring", hash: legacyHash2[:10], want: ""},
		{name: "ID with comma", content: "DEV-1," + legacyHash1 + "\r\nDEV-2," + legacyHash2 + "\nA,B," + legacyHash1 + "\n", hash: legacyHash1, want: "A,B"},
		{name: "file replaced", content: "DEV-3," + legacyHash2 + "\n", hash: legacyHash1, want: ""},
	}
	for _, step := range steps {
		if step.content != "" {
			write(step.content)
		}
		if got := owner(step.hash); got != step.want {
			t.Errorf("%s: EnrollmentFromHash: got %q, want %q", step.name, got, step.want)
		}
	}
}

func TestPushCertStaleToken(t *testing.T) {
	root := t.TempDir()
	s := openStore(t, root)
	const topic = "com.apple.mgmt.External.1d3f9a51-7a0e-4bd0-9d0e-3b2d6c0f5e11"
	certPEM, keyPEM := pushCert(t, topic)

	var tokens []string
	for i := range 3 {
		if err := s.StorePushCert(t.Context(), certPEM, keyPEM); err != nil {
			t.Fatalf("StorePushCert %d: %v", i, err)
		}
		_, token, err := s.RetrievePushCert(t.Context(), topic)
		if err != nil {
			t.Fatalf("RetrievePushCert %d: %v", i, err)
		}
		tokens = append(tokens, token)
	}
	for i, token := range tokens {
		stale, err := s.IsPushCertStale(t.Context(), topic, token)
		if err != nil {
			t.Fatalf("IsPushCertStale: %v", err)
		}
		if want := i < len(tokens)-1; stale != want {
			t.Errorf("IsPushCertStale(token %d): got %v, want %v", i, stale, want)
		}
	}

	info, err := os.Stat(filepath.Join(root, topic+".key"))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode: got %o, want 600", perm)
	}
	if got := readFile(t, root, topic+".pem"); string(got) != string(certPEM) {
		t.Errorf("%s.pem: got %q, want the stored certificate", topic, got)
	}
}

func TestPushCertTopicMismatch(t *testing.T) {
	root := t.TempDir()
	s := openStore(t, root)
	const stored = "com.apple.mgmt.External.aaaaaaaa-0000-4000-8000-000000000001"
	const renamed = "com.apple.mgmt.External.bbbbbbbb-0000-4000-8000-000000000002"
	certPEM, keyPEM := pushCert(t, stored)
	writeTree(t, root, []treeFile{
		{path: renamed + ".pem", content: certPEM},
		{path: renamed + ".key", content: keyPEM},
	})
	if _, _, err := s.RetrievePushCert(t.Context(), renamed); err == nil {
		t.Errorf("RetrievePushCert with another topic's certificate: got no error, want one")
	}
}

// pushCert returns a fresh self-signed push certificate and key for topic.
func pushCert(t *testing.T, topic string) (certPEM, keyPEM []byte) {
	t.Helper()
	certPEM, keyPEM, err := devicesim.NewPushCert(topic)
	if err != nil {
		t.Fatalf("making push certificate: %v", err)
	}
	return certPEM, keyPEM
}
