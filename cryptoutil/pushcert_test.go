package cryptoutil_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/cryptoutil"
	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

const testTopic = "com.apple.mgmt.External.9a4c2e71-5b3d-4f8a-a1c6-0d2e8f7b6c5a"

var oidUID = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}

// certWithNames returns a self-signed certificate whose subject has names.
func certWithNames(t *testing.T, names ...pkix.AttributeTypeAndValue) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "push", ExtraNames: names},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestTopicFromCert(t *testing.T) {
	uid := func(v string) pkix.AttributeTypeAndValue {
		return pkix.AttributeTypeAndValue{Type: oidUID, Value: v}
	}
	tests := []struct {
		name      string
		cert      *x509.Certificate
		wantTopic string
		wantErr   string
	}{
		{name: "topic", cert: certWithNames(t, uid(testTopic)), wantTopic: testTopic},
		{name: "first UID wins", cert: certWithNames(t, uid(testTopic), uid("com.apple.mgmt.other")), wantTopic: testTopic},
		{name: "no UID", cert: certWithNames(t), wantErr: "no APNs Topic found"},
		{name: "wrong prefix", cert: certWithNames(t, uid("com.example.push")), wantErr: `invalid APNs Topic: "com.example.push"`},
		{name: "first UID invalid", cert: certWithNames(t, uid("x"), uid(testTopic)), wantErr: `invalid APNs Topic: "x"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			topic, err := cryptoutil.TopicFromCert(tc.cert)
			if tc.wantErr != "" {
				assertPushCertError(t, err, cryptoutil.PushCertStepTopic, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if topic != tc.wantTopic {
				t.Errorf("got topic %q, want %q", topic, tc.wantTopic)
			}
		})
	}
}

func TestTopicFromCertNoTopicSentinel(t *testing.T) {
	_, err := cryptoutil.TopicFromCert(certWithNames(t))
	if !errors.Is(err, cryptoutil.ErrNoAPNSTopic) {
		t.Errorf("got error %v, want %v", err, cryptoutil.ErrNoAPNSTopic)
	}
}

func TestParsePushCertUpload(t *testing.T) {
	certPEM, keyPEM, err := devicesim.NewPushCert(testTopic)
	if err != nil {
		t.Fatal(err)
	}
	otherCert, otherKey, err := devicesim.NewPushCert(testTopic)
	if err != nil {
		t.Fatal(err)
	}
	keyBlock, _ := pem.Decode(keyPEM)
	encrypted := pem.EncodeToMemory(&pem.Block{
		Type:    "RSA PRIVATE KEY",
		Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00112233445566778899AABBCCDDEEFF"},
		Bytes:   keyBlock.Bytes,
	})
	pkcs8Encrypted := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{0x30, 0x00}})
	csr := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: []byte{0x30, 0x00}})
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	glued := cat(bytes.TrimSpace(certPEM), bytes.TrimSpace(keyPEM))

	const readPEM, keyPair = cryptoutil.PushCertStepReadPEM, cryptoutil.PushCertStepKeyPair
	tests := []struct {
		name     string
		body     []byte
		wantStep string
		wantErr  string
	}{
		{name: "cert then key", body: cat(certPEM, keyPEM)},
		{name: "key then cert", body: cat(keyPEM, certPEM)},
		{name: "glued without newline", body: glued},
		{name: "junk before first block", body: cat([]byte("junk\n"), certPEM, keyPEM)},
		{name: "last cert wins", body: cat(otherCert, certPEM, keyPEM)},
		{name: "last key wins", body: cat(certPEM, otherKey, keyPEM)},
		{name: "chain appended", body: cat(certPEM, otherCert, keyPEM), wantStep: keyPair, wantErr: "tls: private key does not match public key"},
		{name: "legacy encrypted key", body: cat(certPEM, encrypted), wantStep: readPEM, wantErr: "private key PEM appears to be encrypted"},
		{name: "PKCS #8 encrypted key", body: cat(certPEM, pkcs8Encrypted), wantStep: keyPair, wantErr: "tls: failed to parse private key"},
		{name: "CSR", body: cat(certPEM, csr, keyPEM), wantStep: readPEM, wantErr: `unrecognized PEM type: "CERTIFICATE REQUEST"`},
		{name: "empty body", body: nil, wantStep: keyPair, wantErr: "tls: failed to find any PEM data in certificate input"},
		{name: "certificate only", body: certPEM, wantStep: keyPair, wantErr: "tls: failed to find any PEM data in key input"},
		{name: "key only", body: keyPEM, wantStep: keyPair, wantErr: "tls: failed to find any PEM data in certificate input"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			gotCert, gotKey, err := cryptoutil.ParsePushCertUpload(tc.body)
			if tc.wantErr != "" {
				assertPushCertError(t, err, tc.wantStep, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if !bytes.Equal(gotCert, certPEM) {
				t.Errorf("got certificate PEM\n%s\nwant\n%s", gotCert, certPEM)
			}
			if !bytes.Equal(gotKey, keyPEM) {
				t.Error("got a different key PEM, want the uploaded key")
			}
		})
	}
}

func TestParsePushCertUploadECKey(t *testing.T) {
	ca, err := devicesim.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.MarshalECPrivateKey(ca.Key.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	sec1 := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: key})
	if _, _, err := cryptoutil.ParsePushCertUpload(append(ca.PEM(), sec1...)); err != nil {
		t.Errorf("got error %v for a SEC 1 EC key, want none", err)
	}
}

func assertPushCertError(t *testing.T, err error, wantStep, want string) {
	t.Helper()
	var pushErr *cryptoutil.PushCertError
	if !errors.As(err, &pushErr) {
		t.Fatalf("got error %v (%T), want a *PushCertError", err, err)
	}
	if pushErr.Step != wantStep {
		t.Errorf("got step %q, want %q", pushErr.Step, wantStep)
	}
	if err.Error() != want {
		t.Errorf("got error %q, want %q", err.Error(), want)
	}
}
