package cryptoutil_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/cryptoutil"
	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

func FuzzVerifyMdmSignature(f *testing.F) {
	body := readTestdata(f, "body.plist")
	for _, name := range []string{"ber-rsa.sig", "sha1-rsa.sig", "nocerts-rsa.sig", "noattr-ecdsa.sig"} {
		f.Add(strings.TrimSpace(string(readTestdata(f, name))), body)
	}
	f.Add(sign(f, newIdentity(f, devicesim.ECDSAP256), []byte("x")), []byte("x"))
	f.Add("", []byte{})
	f.Add(base64.StdEncoding.EncodeToString([]byte{0x30, 0x80, 0x00, 0x00}), []byte{})

	f.Fuzz(func(t *testing.T, header string, body []byte) {
		cert, err := cryptoutil.VerifyMdmSignature(header, body)
		if err == nil && cert == nil {
			t.Fatal("got neither a certificate nor an error")
		}
		if err != nil && cert != nil {
			t.Fatalf("got certificate %q with error %v", cert.Subject, err)
		}
	})
}

func FuzzParseCertHeader(f *testing.F) {
	id := newIdentity(f, devicesim.ECDSAP256)
	f.Add(id.RFC9440Header())
	f.Add(id.EscapedPEMHeader())
	f.Add(":")
	f.Add("::")
	f.Add("%2")
	f.Add("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")

	f.Fuzz(func(t *testing.T, value string) {
		cert, err := cryptoutil.ParseCertHeader(value)
		if err == nil && cert == nil {
			t.Fatal("got neither a certificate nor an error")
		}
	})
}
