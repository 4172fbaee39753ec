package inmem_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/mdmforge/nanomdm/cryptoutil"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage/inmem"
	"github.com/mdmforge/nanomdm/storage/storagetest"
)

// Real Authenticate and TokenUpdate messages of a macOS device, from
// storage/storagetest/testdata.
const fixtureUDID = "66ADE930-5FDF-5EC4-8429-15640684C489"

func readFixture(b *testing.B, name string) []byte {
	b.Helper()
	raw, err := os.ReadFile("../storagetest/testdata/" + name)
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

// identityCert returns a self-signed certificate to present as a device
// identity.
func identityCert(b *testing.B) *x509.Certificate {
	certPEM, _ := storagetest.NewPushCert(b, "")
	cert, err := cryptoutil.DecodePEMCertificate(certPEM)
	if err != nil {
		b.Fatal(err)
	}
	return cert
}

// BenchmarkMemory100k enrolls 100,000 devices the way the core service
// does (Authenticate with an identity certificate, its binding, then a
// TokenUpdate) and reports the live heap they take.
func BenchmarkMemory100k(b *testing.B) {
	const n = 100000
	auth := readFixture(b, "Authenticate.2.plist")
	tu := readFixture(b, "TokenUpdate.2.plist")
	cert := identityCert(b)
	hash := sha256.Sum256(cert.Raw)
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)

		s := inmem.New()
		for i := range n {
			udid := fmt.Sprintf("%08X-5FDF-5EC4-8429-15640684C489", i)
			r := mdm.NewRequest(context.Background(), cert)
			r.EnrollID = &mdm.EnrollID{Type: mdm.Device, ID: udid}
			a := &mdm.Authenticate{SerialNumber: "C02MT66KFLHH", Raw: mdm.Raw{Raw: bytes.ReplaceAll(auth, []byte(fixtureUDID), []byte(udid))}}
			if err := s.StoreAuthenticate(r, a); err != nil {
				b.Fatal(err)
			}
			h := hash
			h[0], h[1], h[2] = byte(i), byte(i>>8), byte(i>>16)
			if err := s.AssociateCertHash(r, hex.EncodeToString(h[:])); err != nil {
				b.Fatal(err)
			}
			t := &mdm.TokenUpdate{Raw: mdm.Raw{Raw: bytes.ReplaceAll(tu, []byte(fixtureUDID), []byte(udid))}}
			t.Push = mdm.Push{PushMagic: "888CEB39-BFFA-40F6-89FA-B60752EB63C2", Token: hash[:], Topic: "com.apple.mgmt.External.e0bd1eac-1f17-4c8e-8a63-dd17d3dd35d9"}
			if err := s.StoreTokenUpdate(r, t); err != nil {
				b.Fatal(err)
			}
		}

		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB")
		runtime.KeepAlive(s)
	}
}
