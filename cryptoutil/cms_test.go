package cryptoutil

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smallstep/pkcs7"

	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

// devicesimSignatures returns CMS signatures over body by simulated RSA
// and ECDSA devices, by an expired identity and by two signers at once.
func devicesimSignatures(f *testing.F, body []byte) [][]byte {
	f.Helper()
	ca, err := devicesim.NewCA()
	if err != nil {
		f.Fatal(err)
	}
	var ids []*devicesim.Identity
	for _, opts := range [][]devicesim.IdentityOption{nil, {devicesim.Expired()}} {
		for _, kt := range []devicesim.KeyType{devicesim.RSA2048, devicesim.ECDSAP256} {
			id, err := ca.NewIdentity(kt, opts...)
			if err != nil {
				f.Fatal(err)
			}
			ids = append(ids, id)
		}
	}

	var sigs [][]byte
	for _, signers := range [][]*devicesim.Identity{{ids[0]}, {ids[1]}, {ids[2]}, {ids[0], ids[1]}} {
		sd, err := pkcs7.NewSignedData(body)
		if err != nil {
			f.Fatal(err)
		}
		sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
		for _, id := range signers {
			if err := sd.AddSigner(id.Cert, id.Key, pkcs7.SignerInfoConfig{}); err != nil {
				f.Fatal(err)
			}
		}
		sd.Detach()
		der, err := sd.Finish()
		if err != nil {
			f.Fatal(err)
		}
		sigs = append(sigs, der)
	}
	return sigs
}

// sameOutcome reports how the errors of two verifications differ, or "".
func sameOutcome(derErr, p7Err error) string {
	if (derErr == nil) != (p7Err == nil) {
		return "one path failed and the other did not"
	}
	if derErr == nil {
		return ""
	}
	var derSig, p7Sig *SignatureError
	if !errors.As(derErr, &derSig) || !errors.As(p7Err, &p7Sig) {
		return "an error is not a *SignatureError"
	}
	if derSig.Step != p7Sig.Step {
		return "the paths failed at different steps"
	}
	return ""
}

// FuzzDERMatchesPKCS7 checks that wherever the DER parser accepts an
// input, it reaches the same verdict, at the same step, as pkcs7.
func FuzzDERMatchesPKCS7(f *testing.F) {
	body, err := os.ReadFile(filepath.Join("testdata", "body.plist"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range []string{"sha1-rsa.sig", "nocerts-rsa.sig", "noattr-ecdsa.sig", "sha384-ecdsa.sig"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(der, body)
	}
	for _, der := range devicesimSignatures(f, body) {
		f.Add(der, body)
	}

	f.Fuzz(func(t *testing.T, der, body []byte) {
		sd, ok := parseDERSignedData(der)
		if !ok {
			return
		}
		derCert, derErr := verifyDER(sd, body)
		p7Cert, p7Err := verifyPKCS7(der, body)
		if diff := sameOutcome(derErr, p7Err); diff != "" {
			t.Fatalf("%s: DER path got %v, pkcs7 got %v", diff, derErr, p7Err)
		}
		if derErr == nil && !derCert.Equal(p7Cert) {
			t.Fatalf("got signer %q from the DER path, %q from pkcs7", derCert.Subject, p7Cert.Subject)
		}
	})
}

func TestDERPathTakesFixtures(t *testing.T) {
	tests := []struct {
		name   string
		wantOK bool
	}{
		{name: "sha1-rsa.sig", wantOK: true},
		{name: "nocerts-rsa.sig", wantOK: true},
		{name: "noattr-ecdsa.sig", wantOK: true},
		{name: "sha384-ecdsa.sig", wantOK: true},
		{name: "ber-rsa.sig", wantOK: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tc.name))
			if err != nil {
				t.Fatal(err)
			}
			der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := parseDERSignedData(der); ok != tc.wantOK {
				t.Errorf("got DER parse %t, want %t", ok, tc.wantOK)
			}
		})
	}
}

// BenchmarkVerifyPaths compares the DER path with pkcs7 on the same
// device signature.
func BenchmarkVerifyPaths(b *testing.B) {
	body := []byte("<plist><dict><key>Status</key><string>Idle</string></dict></plist>")
	ca, err := devicesim.NewCA()
	if err != nil {
		b.Fatal(err)
	}
	for _, kt := range []devicesim.KeyType{devicesim.RSA2048, devicesim.ECDSAP256} {
		id, err := ca.NewIdentity(kt)
		if err != nil {
			b.Fatal(err)
		}
		header, err := id.Sign(body)
		if err != nil {
			b.Fatal(err)
		}
		der, err := base64.StdEncoding.DecodeString(header)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(kt.String()+"/DER", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sd, ok := parseDERSignedData(der)
				if !ok {
					b.Fatal("DER path rejected a device signature")
				}
				if _, err := verifyDER(sd, body); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(kt.String()+"/pkcs7", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := verifyPKCS7(der, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
