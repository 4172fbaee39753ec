package cryptoutil_test

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/cryptoutil"
	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

func TestNewVerifierErrors(t *testing.T) {
	ca, err := devicesim.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := ca.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	badCert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x00}})

	tests := []struct {
		name          string
		roots         []byte
		intermediates []byte
		wantErr       string
	}{
		{name: "root only", roots: ca.PEM()},
		{name: "root after a key block", roots: append(keyPEM, ca.PEM()...)},
		{name: "empty intermediates", roots: ca.PEM(), intermediates: []byte{}},
		{name: "intermediate", roots: ca.PEM(), intermediates: ca.PEM()},
		{name: "no roots", roots: nil, wantErr: "could not append root CA(s)"},
		{name: "roots without certificate", roots: keyPEM, wantErr: "could not append root CA(s)"},
		{name: "unparsable root", roots: badCert, wantErr: "could not append root CA(s)"},
		{name: "intermediates not PEM", roots: ca.PEM(), intermediates: []byte("\n"), wantErr: "could not append intermediate CA(s)"},
		{name: "intermediates without certificate", roots: ca.PEM(), intermediates: keyPEM, wantErr: "could not append intermediate CA(s)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, err := cryptoutil.NewVerifier(tc.roots, tc.intermediates)
			if tc.wantErr == "" {
				if err != nil || v == nil {
					t.Fatalf("got error %v, want a verifier", err)
				}
				return
			}
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("got error %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// pki is a root CA, an intermediate it issued, and a verifier that trusts
// both.
type pki struct {
	root, intermediate *devicesim.CA
	verifier           *cryptoutil.Verifier
}

func newPKI(t *testing.T, opts ...cryptoutil.VerifierOption) *pki {
	t.Helper()
	root, err := devicesim.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	intermediate, err := root.NewIntermediate()
	if err != nil {
		t.Fatal(err)
	}
	v, err := cryptoutil.NewVerifier(root.PEM(), intermediate.PEM(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return &pki{root: root, intermediate: intermediate, verifier: v}
}

func issue(t *testing.T, ca *devicesim.CA, opts ...devicesim.IdentityOption) *x509.Certificate {
	t.Helper()
	id, err := ca.NewIdentity(devicesim.ECDSAP256, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return id.Cert
}

func TestVerifierVerify(t *testing.T) {
	p := newPKI(t)
	strangerCA, err := devicesim.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	strangerIntermediate, err := p.root.NewIntermediate()
	if err != nil {
		t.Fatal(err)
	}
	rsaID, err := p.root.NewIdentity(devicesim.RSA2048)
	if err != nil {
		t.Fatal(err)
	}
	selfSigned, err := devicesim.NewSelfSignedIdentity(devicesim.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		cert    *x509.Certificate
		wantErr bool
	}{
		{name: "ECDSA from root", cert: issue(t, p.root)},
		{name: "RSA from root", cert: rsaID.Cert},
		{name: "from configured intermediate", cert: issue(t, p.intermediate)},
		{name: "no EKU extension", cert: issue(t, p.root, devicesim.WithExtKeyUsage())},
		{name: "any EKU", cert: issue(t, p.root, devicesim.WithExtKeyUsage(x509.ExtKeyUsageAny))},
		{name: "root itself", cert: p.root.Cert},
		{name: "serverAuth only", cert: issue(t, p.root, devicesim.WithExtKeyUsage(x509.ExtKeyUsageServerAuth)), wantErr: true},
		{name: "expired", cert: issue(t, p.root, devicesim.Expired()), wantErr: true},
		{name: "not yet valid", cert: issue(t, p.root, devicesim.NotYetValid()), wantErr: true},
		{name: "unknown CA", cert: issue(t, strangerCA), wantErr: true},
		{name: "intermediate not configured", cert: issue(t, strangerIntermediate), wantErr: true},
		{name: "self-signed", cert: selfSigned.Cert, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Twice, so the second call may come from the cache.
			for range 2 {
				err := p.verifier.Verify(tc.cert)
				if gotErr := err != nil; gotErr != tc.wantErr {
					t.Fatalf("got error %v, want error: %t", err, tc.wantErr)
				}
			}
		})
	}
}

func TestVerifierMissingCertificate(t *testing.T) {
	p := newPKI(t)
	if err := p.verifier.Verify(nil); !errors.Is(err, cryptoutil.ErrMissingCertificate) {
		t.Errorf("got error %v, want %v", err, cryptoutil.ErrMissingCertificate)
	}
}

// fakeClock is a clock that tests move by hand.
type fakeClock struct{ now atomic.Pointer[time.Time] }

func (c *fakeClock) set(t time.Time) { c.now.Store(&t) }
func (c *fakeClock) Now() time.Time  { return *c.now.Load() }

func TestVerifierCachedCertExpires(t *testing.T) {
	for _, cacheSize := range []int{cryptoutil.DefaultVerifyCacheSize, 0} {
		clock := &fakeClock{}
		clock.set(time.Now())
		p := newPKI(t, cryptoutil.WithClock(clock.Now), cryptoutil.WithCacheSize(cacheSize))
		notAfter := time.Now().Add(time.Hour).Truncate(time.Second)
		cert := issue(t, p.root, devicesim.WithValidity(time.Now().Add(-time.Hour), notAfter))

		if err := p.verifier.Verify(cert); err != nil {
			t.Fatalf("cache size %d: got error %v before expiry, want none", cacheSize, err)
		}
		clock.set(notAfter)
		if err := p.verifier.Verify(cert); err != nil {
			t.Fatalf("cache size %d: got error %v at NotAfter, want none", cacheSize, err)
		}
		clock.set(notAfter.Add(time.Nanosecond))
		if err := p.verifier.Verify(cert); err == nil {
			t.Errorf("cache size %d: got no error after NotAfter, want one", cacheSize)
		}
	}
}

func TestVerifierCacheHonorsIntermediateExpiry(t *testing.T) {
	clock := &fakeClock{}
	clock.set(time.Now())
	p := newPKI(t, cryptoutil.WithClock(clock.Now))
	cert := issue(t, p.intermediate, devicesim.WithValidity(time.Now().Add(-time.Hour), p.intermediate.Cert.NotAfter.AddDate(1, 0, 0)))

	if err := p.verifier.Verify(cert); err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	clock.set(p.intermediate.Cert.NotAfter.Add(time.Second))
	if err := p.verifier.Verify(cert); err == nil {
		t.Error("got no error after the intermediate expired, want one")
	}
}

func TestVerifierConcurrent(t *testing.T) {
	p := newPKI(t, cryptoutil.WithCacheSize(cryptoutil.DefaultVerifyCacheSize/1024))
	good := make([]*x509.Certificate, 8)
	for i := range good {
		good[i] = issue(t, p.root)
	}
	bad := issue(t, p.root, devicesim.Expired())

	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 50 {
				cert := good[(w+i)%len(good)]
				if err := p.verifier.Verify(cert); err != nil {
					t.Errorf("got error %v for a valid certificate, want none", err)
				}
				if err := p.verifier.Verify(bad); err == nil {
					t.Error("got no error for an expired certificate, want one")
				}
			}
		})
	}
	wg.Wait()
}

func TestCertHash(t *testing.T) {
	cert, err := cryptoutil.DecodePEMCertificate(readTestdata(t, "signer-rsa.pem"))
	if err != nil {
		t.Fatal(err)
	}
	// openssl x509 -in testdata/signer-rsa.pem -outform DER | sha256sum
	const want = "74c3fe0803e553c6378e75c067d5c816d67ff1b742f4cbdc1518ba5a17b51b99"
	if got := cryptoutil.CertHash(cert); got != want {
		t.Errorf("got hash %q, want %q", got, want)
	}
}
