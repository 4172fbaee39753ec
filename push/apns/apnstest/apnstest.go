// Package apnstest provides test doubles for APNs: self-signed push
// certificates and a local HTTPS server that speaks HTTP/2 and requires a
// client certificate, as APNs does. Nothing here contacts Apple.
package apnstest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// OIDUserID is the subject attribute (UID, 0.9.2342.19200300.100.1.1)
// that holds the push topic of an APNs MDM certificate.
var OIDUserID = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}

// Cert is a self-signed certificate with its key, in parsed and PEM form.
type Cert struct {
	Certificate *x509.Certificate
	Key         crypto.Signer
	CertPEM     []byte
	KeyPEM      []byte // PKCS #8
	TLS         tls.Certificate
}

// TopicSubject returns a subject name whose UID attribute is topic, as in
// an APNs MDM push certificate.
func TopicSubject(topic string) pkix.Name {
	return pkix.Name{
		CommonName: "APSP:" + topic,
		ExtraNames: []pkix.AttributeTypeAndValue{{Type: OIDUserID, Value: topic}},
	}
}

// NewPushCert returns a push certificate for topic with a P-256 key,
// valid until notAfter.
func NewPushCert(t testing.TB, topic string, notAfter time.Time) *Cert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generating key: %v", err)
	}
	return NewCert(t, TopicSubject(topic), key, notAfter)
}

// NewCert returns a self-signed client certificate for subject and key,
// valid from an hour ago until notAfter.
func NewCert(t testing.TB, subject pkix.Name, key crypto.Signer, notAfter time.Time) *Cert {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      subject,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatalf("creating certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parsing certificate: %v", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("encoding key: %v", err)
	}
	return &Cert{
		Certificate: cert,
		Key:         key,
		CertPEM:     pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:      pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		TLS:         tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert},
	}
}

// NewServer starts an HTTPS server on 127.0.0.1 that offers HTTP/2 and
// requires a client certificate, and closes it when the test ends.
func NewServer(t testing.TB, handler http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(handler)
	srv.EnableHTTP2 = true
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// RootCAs returns a pool that trusts srv's certificate.
func RootCAs(srv *httptest.Server) *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return pool
}
