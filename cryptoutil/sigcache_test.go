package cryptoutil_test

import (
	"crypto/x509"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/cryptoutil"
	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

func TestSignatureCacheKeepsRepeatedPair(t *testing.T) {
	id := newIdentity(t, devicesim.ECDSAP256)
	body := []byte("<plist><dict><key>Status</key><string>Idle</string></dict></plist>")
	header := sign(t, id, body)
	c := cryptoutil.NewSignatureCache(cryptoutil.DefaultSignatureCacheSize, nil)

	certs := make([]*x509.Certificate, 4)
	for i := range certs {
		cert, err := c.Verify(header, body)
		if err != nil {
			t.Fatalf("verify %d: got error %v, want none", i, err)
		}
		if !cert.Equal(id.Cert) {
			t.Fatalf("verify %d: got cert %q, want %q", i, cert.Subject, id.Cert.Subject)
		}
		certs[i] = cert
	}

	// The first sighting only records the pair; the second keeps its
	// certificate, which later ones get back.
	if certs[1] == certs[0] {
		t.Error("verify 1: got the cert of the first sighting, want a newly parsed one")
	}
	for i := 2; i < len(certs); i++ {
		if certs[i] != certs[1] {
			t.Errorf("verify %d: got a newly parsed cert, want the cached one", i)
		}
	}
}

func TestSignatureCacheRejectsOtherInput(t *testing.T) {
	id := newIdentity(t, devicesim.ECDSAP256)
	body := []byte("<plist><dict><key>Status</key><string>Idle</string></dict></plist>")
	header := sign(t, id, body)
	c := cryptoutil.NewSignatureCache(cryptoutil.DefaultSignatureCacheSize, nil)
	if _, err := c.Verify(header, body); err != nil {
		t.Fatalf("priming verify: got error %v, want none", err)
	}

	tests := []struct {
		name     string
		header   string
		body     []byte
		wantStep string
	}{
		{name: "other body", header: header, body: []byte("<plist/>"), wantStep: cryptoutil.StepMessageDigest},
		{name: "body moved into header", header: header + "A", body: body[1:], wantStep: cryptoutil.StepDecodeBase64},
		{name: "bad signature", header: flipLastByte(t, header), body: body, wantStep: cryptoutil.StepSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for attempt := range 2 {
				_, err := c.Verify(tc.header, tc.body)
				var sigErr *cryptoutil.SignatureError
				if !errors.As(err, &sigErr) {
					t.Fatalf("attempt %d: got error %v, want a *SignatureError", attempt, err)
				}
				if sigErr.Step != tc.wantStep {
					t.Errorf("attempt %d: got step %q, want %q", attempt, sigErr.Step, tc.wantStep)
				}
			}
		})
	}
}

func TestSignatureCacheExpiresWithCert(t *testing.T) {
	notAfter := time.Now().Add(time.Hour).Truncate(time.Second)
	id := newIdentity(t, devicesim.ECDSAP256, devicesim.WithValidity(time.Now().Add(-time.Hour), notAfter))
	body := []byte("<plist/>")
	header := sign(t, id, body)
	clock := &fakeClock{}
	clock.set(notAfter)
	c := cryptoutil.NewSignatureCache(cryptoutil.DefaultSignatureCacheSize, clock.Now)

	if _, err := c.Verify(header, body); err != nil {
		t.Fatalf("first verify: got error %v, want none", err)
	}
	first, err := c.Verify(header, body)
	if err != nil {
		t.Fatalf("second verify: got error %v, want none", err)
	}
	if again, _ := c.Verify(header, body); again != first {
		t.Error("at NotAfter: got a newly parsed cert, want the cached one")
	}
	clock.set(notAfter.Add(time.Second))
	later, err := c.Verify(header, body)
	if err != nil {
		t.Fatalf("after NotAfter: got error %v, want none, because CA checks come later", err)
	}
	if later == first {
		t.Error("after NotAfter: got the cached cert, want a newly parsed one")
	}
}

func TestSignatureCacheDisabled(t *testing.T) {
	for _, size := range []int{0, -1} {
		if c := cryptoutil.NewSignatureCache(size, nil); c != nil {
			t.Errorf("size %d: got cache %v, want nil", size, c)
		}
	}

	var c *cryptoutil.SignatureCache
	id := newIdentity(t, devicesim.RSA2048)
	body := []byte("<plist/>")
	cert, err := c.Verify(sign(t, id, body), body)
	if err != nil {
		t.Fatalf("nil cache: got error %v, want none", err)
	}
	if !cert.Equal(id.Cert) {
		t.Errorf("nil cache: got cert %q, want %q", cert.Subject, id.Cert.Subject)
	}
}

func TestSignatureCacheConcurrent(t *testing.T) {
	c := cryptoutil.NewSignatureCache(64, nil)
	id := newIdentity(t, devicesim.ECDSAP256)
	bodies := make([][]byte, 16)
	headers := make([]string, len(bodies))
	for i := range bodies {
		bodies[i] = []byte{'<', byte('a' + i), '/', '>'}
		headers[i] = sign(t, id, bodies[i])
	}

	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 200 {
				n := (w + i) % len(bodies)
				if _, err := c.Verify(headers[n], bodies[n]); err != nil {
					t.Errorf("body %d: got error %v, want none", n, err)
					return
				}
				if _, err := c.Verify(headers[n], bodies[(n+1)%len(bodies)]); err == nil {
					t.Errorf("body %d: got no error for the next body, want one", n)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkSignatureCacheHit(b *testing.B) {
	id := newIdentity(b, devicesim.ECDSAP256)
	header := sign(b, id, reportBody)
	c := cryptoutil.NewSignatureCache(cryptoutil.DefaultSignatureCacheSize, nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Verify(header, reportBody); err != nil {
			b.Fatal(err)
		}
	}
}
