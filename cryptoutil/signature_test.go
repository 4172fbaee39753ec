package cryptoutil_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smallstep/pkcs7"

	"github.com/mdmforge/nanomdm/cryptoutil"
	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

// newIdentity returns a device identity issued by a new CA.
func newIdentity(t testing.TB, kt devicesim.KeyType, opts ...devicesim.IdentityOption) *devicesim.Identity {
	t.Helper()
	ca, err := devicesim.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	id, err := ca.NewIdentity(kt, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func sign(t testing.TB, id *devicesim.Identity, body []byte) string {
	t.Helper()
	sig, err := id.Sign(body)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signCMS signs body with each identity in one CMS, embedding the
// content unless detach is false, and returns the header value.
func signCMS(t *testing.T, body []byte, detach bool, ids ...*devicesim.Identity) string {
	t.Helper()
	sd, err := pkcs7.NewSignedData(body)
	if err != nil {
		t.Fatal(err)
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	for _, id := range ids {
		if err := sd.AddSigner(id.Cert, id.Key, pkcs7.SignerInfoConfig{}); err != nil {
			t.Fatal(err)
		}
	}
	if detach {
		sd.Detach()
	}
	der, err := sd.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// flipLastByte changes the last byte of the CMS, which lies in the signer's
// signature value.
func flipLastByte(t *testing.T, header string) string {
	t.Helper()
	der, err := base64.StdEncoding.DecodeString(header)
	if err != nil {
		t.Fatal(err)
	}
	der[len(der)-1] ^= 0xff
	return base64.StdEncoding.EncodeToString(der)
}

func TestVerifyMdmSignatureDevices(t *testing.T) {
	body := []byte("<plist><dict><key>MessageType</key><string>Authenticate</string></dict></plist>")
	for _, kt := range []devicesim.KeyType{devicesim.RSA2048, devicesim.ECDSAP256} {
		t.Run(kt.String(), func(t *testing.T) {
			id := newIdentity(t, kt)
			header := sign(t, id, body)

			cert, err := cryptoutil.VerifyMdmSignature(header, body)
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if !cert.Equal(id.Cert) {
				t.Errorf("got signer %q, want the identity certificate", cert.Subject)
			}

			tampered := bytes.Replace(body, []byte("Authenticate"), []byte("CheckOut"), 1)
			_, err = cryptoutil.VerifyMdmSignature(header, tampered)
			assertStep(t, err, cryptoutil.StepMessageDigest)
		})
	}
}

func TestVerifyMdmSignatureFixtures(t *testing.T) {
	body := readTestdata(t, "body.plist")
	tests := []struct {
		name     string
		sigFile  string
		certFile string
		wantStep string
	}{
		{name: "BER with embedded content", sigFile: "ber-rsa.sig", certFile: "signer-rsa.pem"},
		{name: "SHA-1 digest", sigFile: "sha1-rsa.sig", certFile: "signer-rsa.pem"},
		{name: "SHA-384 ECDSA", sigFile: "sha384-ecdsa.sig", certFile: "signer-ecdsa.pem"},
		{name: "no signed attributes", sigFile: "noattr-ecdsa.sig", certFile: "signer-ecdsa.pem"},
		{name: "no embedded certificate", sigFile: "nocerts-rsa.sig", wantStep: cryptoutil.StepFindSigner},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			header := strings.TrimSpace(string(readTestdata(t, tc.sigFile)))
			cert, err := cryptoutil.VerifyMdmSignature(header, body)
			if tc.wantStep != "" {
				assertStep(t, err, tc.wantStep)
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			want, err := cryptoutil.DecodePEMCertificate(readTestdata(t, tc.certFile))
			if err != nil {
				t.Fatal(err)
			}
			if !cert.Equal(want) {
				t.Errorf("got signer %q, want %q", cert.Subject, want.Subject)
			}

			// A different body must fail, also when the CMS embeds content.
			changed := append(bytes.Clone(body), ' ')
			_, err = cryptoutil.VerifyMdmSignature(header, changed)
			if err == nil {
				t.Error("got no error for a changed body, want one")
			}
		})
	}
}

func TestVerifyMdmSignatureErrors(t *testing.T) {
	body := []byte("body")
	id := newIdentity(t, devicesim.ECDSAP256)
	other := newIdentity(t, devicesim.ECDSAP256)
	expired := newIdentity(t, devicesim.ECDSAP256, devicesim.Expired())
	valid := sign(t, id, body)
	degenerate, err := pkcs7.DegenerateCertificate(id.Cert.Raw)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		header   string
		body     []byte
		wantStep string
		wantErr  error
	}{
		{name: "empty header", header: "", wantStep: cryptoutil.StepDecodeBase64, wantErr: cryptoutil.ErrEmptySignature},
		{name: "not base64", header: "not base64!", wantStep: cryptoutil.StepDecodeBase64},
		{name: "missing padding", header: base64.RawStdEncoding.EncodeToString([]byte{0x30, 0x02, 0x05, 0x00}), wantStep: cryptoutil.StepDecodeBase64},
		{name: "URL base64", header: base64.URLEncoding.EncodeToString([]byte{0xfb, 0xff}), wantStep: cryptoutil.StepDecodeBase64},
		{name: "not CMS", header: base64.StdEncoding.EncodeToString([]byte("hello")), wantStep: cryptoutil.StepParseCMS},
		{name: "BER that panics pkcs7", header: "X00=", wantStep: cryptoutil.StepParseCMS},
		{name: "no signer", header: base64.StdEncoding.EncodeToString(degenerate), wantStep: cryptoutil.StepFindSigner, wantErr: cryptoutil.ErrInvalidSigner},
		{name: "two signers", header: signCMS(t, body, true, id, other), wantStep: cryptoutil.StepFindSigner, wantErr: cryptoutil.ErrInvalidSigner},
		{name: "other body", header: valid, body: []byte("other"), wantStep: cryptoutil.StepMessageDigest},
		{name: "embedded content ignored", header: signCMS(t, []byte("inside"), false, id), body: []byte("outside"), wantStep: cryptoutil.StepMessageDigest},
		{name: "signing time after expiry", header: sign(t, expired, body), wantStep: cryptoutil.StepSigningTime},
		{name: "bad signature value", header: flipLastByte(t, valid), wantStep: cryptoutil.StepSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reqBody := tc.body
			if reqBody == nil {
				reqBody = body
			}
			cert, err := cryptoutil.VerifyMdmSignature(tc.header, reqBody)
			if cert != nil {
				t.Errorf("got certificate %q, want nil", cert.Subject)
			}
			assertStep(t, err, tc.wantStep)
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("got error %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func assertStep(t *testing.T, err error, wantStep string) {
	t.Helper()
	var sigErr *cryptoutil.SignatureError
	if !errors.As(err, &sigErr) {
		t.Fatalf("got error %v (%T), want a *SignatureError", err, err)
	}
	if sigErr.Step != wantStep {
		t.Errorf("got step %q (%v), want %q", sigErr.Step, err, wantStep)
	}
}
