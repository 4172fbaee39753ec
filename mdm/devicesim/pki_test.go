package devicesim_test

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/cryptoutil"
	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

const testTopic = "com.apple.mgmt.External.1d3f5b7a-9c2e-4a6b-8d0f-e1c3a5b7d9f2"

func TestIdentityVariants(t *testing.T) {
	ca, err := devicesim.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	intermediate, err := ca.NewIntermediate()
	if err != nil {
		t.Fatal(err)
	}
	v, err := cryptoutil.NewVerifier(ca.PEM(), intermediate.PEM())
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		issuer  *devicesim.CA
		opts    []devicesim.IdentityOption
		wantErr bool
	}{
		{name: "default", issuer: ca},
		{name: "from intermediate", issuer: intermediate},
		{name: "expired", issuer: ca, opts: []devicesim.IdentityOption{devicesim.Expired()}, wantErr: true},
		{name: "not yet valid", issuer: ca, opts: []devicesim.IdentityOption{devicesim.NotYetValid()}, wantErr: true},
		{name: "serverAuth only", issuer: ca, opts: []devicesim.IdentityOption{devicesim.WithExtKeyUsage(x509.ExtKeyUsageServerAuth)}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := tc.issuer.NewIdentity(devicesim.ECDSAP256, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			err = v.Verify(id.Cert)
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Errorf("got verify error %v, want error: %t", err, tc.wantErr)
			}
		})
	}
}

func TestIdentityDefaults(t *testing.T) {
	ca, err := devicesim.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	id, err := ca.NewIdentity(devicesim.RSA2048, devicesim.WithCommonName("Mac"))
	if err != nil {
		t.Fatal(err)
	}
	if id.Cert.PublicKeyAlgorithm != x509.RSA {
		t.Errorf("got key algorithm %v, want RSA", id.Cert.PublicKeyAlgorithm)
	}
	if !slices.Equal(id.Cert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}) {
		t.Errorf("got EKU %v, want clientAuth", id.Cert.ExtKeyUsage)
	}
	if id.Cert.Subject.CommonName != "Mac" {
		t.Errorf("got common name %q, want Mac", id.Cert.Subject.CommonName)
	}
	if now := time.Now(); now.Before(id.Cert.NotBefore) || now.After(id.Cert.NotAfter) {
		t.Errorf("got validity %v to %v, want it to contain now", id.Cert.NotBefore, id.Cert.NotAfter)
	}

	again, err := ca.NewIdentity(devicesim.RSA2048, devicesim.WithKey(id.Key))
	if err != nil {
		t.Fatal(err)
	}
	if again.Key != id.Key || again.Cert.SerialNumber.Cmp(id.Cert.SerialNumber) == 0 {
		t.Error("got a new key or the same serial number, want the given key and a new serial")
	}
}

func TestNewKeyUnknownType(t *testing.T) {
	if _, err := devicesim.NewKey(devicesim.KeyType(99)); err == nil {
		t.Error("got no error for an unknown key type, want one")
	}
}

func TestNewPushCert(t *testing.T) {
	certPEM, keyPEM, err := devicesim.NewPushCert(testTopic)
	if err != nil {
		t.Fatal(err)
	}
	gotCert, _, err := cryptoutil.ParsePushCertUpload(append(certPEM, keyPEM...))
	if err != nil {
		t.Fatalf("got upload error %v, want none", err)
	}
	cert, err := cryptoutil.DecodePEMCertificate(gotCert)
	if err != nil {
		t.Fatal(err)
	}
	topic, err := cryptoutil.TopicFromCert(cert)
	if err != nil {
		t.Fatalf("got topic error %v, want none", err)
	}
	if topic != testTopic {
		t.Errorf("got topic %q, want %q", topic, testTopic)
	}
}

func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	ca, err := devicesim.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	id, err := ca.NewIdentity(devicesim.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	if err := ca.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	if err := id.WriteFiles(dir, "device"); err != nil {
		t.Fatal(err)
	}
	if err := devicesim.WritePushCert(dir, testTopic); err != nil {
		t.Fatal(err)
	}

	for _, name := range []string{"ca", "device", "push"} {
		t.Run(name, func(t *testing.T) {
			certPEM, err := os.ReadFile(filepath.Join(dir, name+".pem"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cryptoutil.DecodePEMCertificate(certPEM); err != nil {
				t.Errorf("got error %v parsing %s.pem, want none", err, name)
			}
			info, err := os.Stat(filepath.Join(dir, name+".key"))
			if err != nil {
				t.Fatal(err)
			}
			if perm := info.Mode().Perm(); perm != 0o600 {
				t.Errorf("got key file mode %o, want 600", perm)
			}
		})
	}

	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := cryptoutil.NewVerifier(caPEM, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(id.Cert); err != nil {
		t.Errorf("got error %v verifying the identity against ca.pem, want none", err)
	}
}
