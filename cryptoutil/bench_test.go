package cryptoutil_test

import (
	"bytes"
	"testing"

	"github.com/mdmforge/nanomdm/cryptoutil"
	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

// reportBody is about the size of a DeviceInformation command report.
var reportBody = bytes.Repeat([]byte("<key>QueryResponses</key><string>value</string>\n"), 40)

func BenchmarkVerifyMdmSignature(b *testing.B) {
	for _, kt := range []devicesim.KeyType{devicesim.RSA2048, devicesim.ECDSAP256} {
		b.Run(kt.String(), func(b *testing.B) {
			header := sign(b, newIdentity(b, kt), reportBody)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cryptoutil.VerifyMdmSignature(header, reportBody); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerifierVerify(b *testing.B) {
	ca, err := devicesim.NewCA()
	if err != nil {
		b.Fatal(err)
	}
	id, err := ca.NewIdentity(devicesim.ECDSAP256)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name      string
		cacheSize int
	}{
		{name: "cached", cacheSize: cryptoutil.DefaultVerifyCacheSize},
		{name: "uncached", cacheSize: 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			v, err := cryptoutil.NewVerifier(ca.PEM(), nil, cryptoutil.WithCacheSize(bc.cacheSize))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := v.Verify(id.Cert); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func BenchmarkParseCertHeader(b *testing.B) {
	id := newIdentity(b, devicesim.RSA2048)
	for _, bc := range []struct {
		name, value string
	}{
		{name: "RFC9440", value: id.RFC9440Header()},
		{name: "EscapedPEM", value: id.EscapedPEMHeader()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cryptoutil.ParseCertHeader(bc.value); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
