package api_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/http/api"
	"github.com/mdmforge/nanomdm/push/apns/apnstest"
)

const testTopic = "com.apple.mgmt.External.e3b8ceac-1f18-2c8e-8a63-dd17d99435d9"

// testNotAfter has whole seconds, as certificate times do.
var testNotAfter = time.Date(2027, 12, 4, 15, 13, 59, 0, time.UTC)

const okPushCertBody = "{\n\t\"not_after\": \"2027-12-04T15:13:59Z\",\n\t\"topic\": \"" + testTopic + "\"\n}\n"

func errorJSON(msg string) string {
	return "{\n\t\"error\": \"" + msg + "\"\n}\n"
}

func pemBlock(typ string, der []byte, headers map[string]string) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Headers: headers, Bytes: der})
}

func concat(parts ...[]byte) []byte {
	return bytes.Join(parts, nil)
}

func TestPushCertUpload(t *testing.T) {
	ecCert := apnstest.NewPushCert(t, testTopic, testNotAfter)
	other := apnstest.NewPushCert(t, testTopic, testNotAfter)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generating RSA key: %v", err)
	}
	rsaCert := apnstest.NewCert(t, apnstest.TopicSubject(testTopic), rsaKey, testNotAfter)
	ecKey := ecCert.Key.(*ecdsa.PrivateKey)
	sec1, err := x509.MarshalECPrivateKey(ecKey)
	if err != nil {
		t.Fatalf("encoding EC key: %v", err)
	}
	noTopic := apnstest.NewCert(t, pkix.Name{CommonName: "no topic"}, ecKey, testNotAfter)
	badTopic := apnstest.NewCert(t, apnstest.TopicSubject("com.example.push"), ecKey, testNotAfter)
	encrypted := pemBlock("RSA PRIVATE KEY", []byte("ciphertext"), map[string]string{
		"Proc-Type": "4,ENCRYPTED",
		"DEK-Info":  "AES-256-CBC,00112233445566778899AABBCCDDEEFF",
	})

	tests := []struct {
		name       string
		body       []byte
		storeErr   error
		wantStatus int
		wantBody   string
	}{
		{name: "PKCS8 EC key", body: concat(ecCert.CertPEM, ecCert.KeyPEM), wantStatus: 200, wantBody: okPushCertBody},
		{name: "key before cert", body: concat(ecCert.KeyPEM, ecCert.CertPEM), wantStatus: 200, wantBody: okPushCertBody},
		{name: "SEC1 EC key", body: concat(ecCert.CertPEM, pemBlock("EC PRIVATE KEY", sec1, nil)), wantStatus: 200, wantBody: okPushCertBody},
		{name: "PKCS1 RSA key", body: concat(rsaCert.CertPEM, pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey), nil)), wantStatus: 200, wantBody: okPushCertBody},
		{name: "blocks without newline", body: concat(bytes.TrimSpace(ecCert.CertPEM), ecCert.KeyPEM), wantStatus: 200, wantBody: okPushCertBody},
		{name: "junk before first block", body: concat([]byte("Bag Attributes\n"), ecCert.CertPEM, ecCert.KeyPEM), wantStatus: 200, wantBody: okPushCertBody},
		{name: "key does not match", body: concat(ecCert.CertPEM, other.KeyPEM), wantStatus: 400, wantBody: errorJSON("tls: private key does not match public key")},
		{name: "last cert wins", body: concat(ecCert.CertPEM, other.CertPEM, ecCert.KeyPEM), wantStatus: 400, wantBody: errorJSON("tls: private key does not match public key")},
		{name: "legacy encrypted key", body: concat(ecCert.CertPEM, encrypted), wantStatus: 400, wantBody: errorJSON("private key PEM appears to be encrypted")},
		{name: "PKCS8 encrypted key", body: concat(ecCert.CertPEM, pemBlock("ENCRYPTED PRIVATE KEY", []byte("junk"), nil)), wantStatus: 400, wantBody: errorJSON("tls: failed to parse private key")},
		{name: "unknown PEM type", body: concat(ecCert.CertPEM, pemBlock("CERTIFICATE REQUEST", []byte("csr"), nil), ecCert.KeyPEM), wantStatus: 400, wantBody: errorJSON(`unrecognized PEM type: \"CERTIFICATE REQUEST\"`)},
		{name: "empty body", body: nil, wantStatus: 400, wantBody: errorJSON("tls: failed to find any PEM data in certificate input")},
		{name: "cert only", body: ecCert.CertPEM, wantStatus: 400, wantBody: errorJSON("tls: failed to find any PEM data in key input")},
		{name: "no topic", body: concat(noTopic.CertPEM, ecCert.KeyPEM), wantStatus: 400, wantBody: errorJSON("no APNs Topic found")},
		{name: "invalid topic", body: concat(badTopic.CertPEM, ecCert.KeyPEM), wantStatus: 400, wantBody: errorJSON(`invalid APNs Topic: \"com.example.push\"`)},
		{name: "storage failure", body: concat(ecCert.CertPEM, ecCert.KeyPEM), storeErr: errors.New("disk full"), wantStatus: 500, wantBody: errorJSON("disk full")},
		{name: "body over the limit", body: bytes.Repeat([]byte("A"), 5000), wantStatus: 413, wantBody: errorJSON("reading body: request body larger than the 4096-byte limit")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newFakeCertStore()
			store.storeErr = tt.storeErr
			a := api.New(store, newFakeEnqueuer(), &fakePusher{}, api.WithMaxBodySize(4096))
			rec := serve(t, a.PushCertHandler(), http.MethodPut, "/v1/pushcert", bytes.NewReader(tt.body))
			checkResponse(t, rec, tt.wantStatus, "application/json", tt.wantBody)

			_, _, err := store.RetrievePushCert(t.Context(), testTopic)
			if stored := err == nil; stored != (tt.wantStatus == 200) {
				t.Errorf("got stored %v, want %v", stored, tt.wantStatus == 200)
			}
		})
	}
}

func TestPushCertGet(t *testing.T) {
	cert := apnstest.NewPushCert(t, testTopic, testNotAfter)
	store := newFakeCertStore()
	if err := store.StorePushCert(t.Context(), cert.CertPEM, cert.KeyPEM); err != nil {
		t.Fatalf("StorePushCert: %v", err)
	}
	a := api.New(store, newFakeEnqueuer(), &fakePusher{})
	const missing = "com.apple.mgmt.External.other"

	tests := []struct {
		name       string
		target     string
		wantStatus int
		wantBody   string
	}{
		{name: "stored", target: "/v1/pushcert?topic=" + testTopic, wantStatus: 200, wantBody: okPushCertBody},
		{name: "first topic value used", target: "/v1/pushcert?topic=" + testTopic + "&topic=x", wantStatus: 200, wantBody: okPushCertBody},
		{name: "missing topic", target: "/v1/pushcert", wantStatus: 400, wantBody: errorJSON("missing required query parameter: topic")},
		{name: "empty topic", target: "/v1/pushcert?topic=", wantStatus: 400, wantBody: errorJSON("missing required query parameter: topic")},
		{name: "unknown topic", target: "/v1/pushcert?topic=" + missing, wantStatus: 500, wantBody: errorJSON("getting " + missing + ".pem: key not found: " + missing + ".pem")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(t, a.PushCertHandler(), http.MethodGet, tt.target, nil)
			checkResponse(t, rec, tt.wantStatus, "application/json", tt.wantBody)
		})
	}
}

func TestPushCertMethods(t *testing.T) {
	a := api.New(newFakeCertStore(), newFakeEnqueuer(), &fakePusher{})
	for _, method := range []string{http.MethodPost, http.MethodDelete, http.MethodPatch, http.MethodHead} {
		t.Run(method, func(t *testing.T) {
			rec := serve(t, a.PushCertHandler(), method, "/v1/pushcert", strings.NewReader("x"))
			checkResponse(t, rec, http.StatusMethodNotAllowed, "text/plain; charset=utf-8", "Method Not Allowed\n")
			if allow := rec.Header().Get("Allow"); allow != "" {
				t.Errorf("got Allow %q, want none", allow)
			}
		})
	}
}

func TestPushCertUploadThenGet(t *testing.T) {
	cert := apnstest.NewPushCert(t, testTopic, testNotAfter)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generating key: %v", err)
	}
	renewed := apnstest.NewCert(t, apnstest.TopicSubject(testTopic), ecKey, testNotAfter.AddDate(1, 0, 0))
	store := newFakeCertStore()
	a := api.New(store, newFakeEnqueuer(), &fakePusher{})

	for _, c := range []*apnstest.Cert{cert, renewed} {
		rec := serve(t, a.PushCertHandler(), http.MethodPut, "/v1/pushcert", bytes.NewReader(concat(c.CertPEM, c.KeyPEM)))
		if rec.Code != http.StatusOK {
			t.Fatalf("upload: got status %d, want 200: %s", rec.Code, rec.Body)
		}
	}
	rec := serve(t, a.PushCertHandler(), http.MethodGet, "/v1/pushcert?topic="+testTopic, nil)
	want := "{\n\t\"not_after\": \"2028-12-04T15:13:59Z\",\n\t\"topic\": \"" + testTopic + "\"\n}\n"
	checkResponse(t, rec, http.StatusOK, "application/json", want)
}
