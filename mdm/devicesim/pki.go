package devicesim

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"
)

// KeyType selects the key algorithm of a generated identity.
type KeyType int

// Key types an Apple device identity uses.
const (
	// RSA2048 is a 2048-bit RSA key, as SCEP-issued identities have.
	RSA2048 KeyType = iota + 1
	// ECDSAP256 is an ECDSA key on NIST P-256, as ACME-issued identities
	// may have. It is much cheaper to generate and sign with than RSA.
	ECDSAP256
)

// String returns the key type's name.
func (k KeyType) String() string {
	switch k {
	case RSA2048:
		return "RSA2048"
	case ECDSAP256:
		return "ECDSAP256"
	}
	return fmt.Sprintf("KeyType(%d)", int(k))
}

// NewKey generates a private key of type k.
func NewKey(k KeyType) (crypto.Signer, error) {
	switch k {
	case RSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	return nil, fmt.Errorf("generating key: unknown key type %v", k)
}

// CA is a certificate authority that issues device identities. It stands
// in for the SCEP or ACME CA whose certificate the server gets with -ca
// (a root) or -intermediate (an intermediate).
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewCA returns a self-signed root CA with an ECDSA P-256 key, valid from
// an hour ago for ten years.
func NewCA() (*CA, error) {
	return newCA("Device Simulator Root CA", nil)
}

// NewIntermediate returns an intermediate CA issued by ca.
func (ca *CA) NewIntermediate() (*CA, error) {
	return newCA("Device Simulator Intermediate CA", ca)
}

// newCA returns a CA issued by parent, or a self-signed one when parent is
// nil.
func newCA(commonName string, parent *CA) (*CA, error) {
	key, err := NewKey(ECDSAP256)
	if err != nil {
		return nil, err
	}
	tmpl, err := caTemplate(commonName)
	if err != nil {
		return nil, err
	}
	issuer, signer := tmpl, key
	if parent != nil {
		issuer, signer = parent.Cert, parent.Key
	}
	cert, err := createCert(tmpl, issuer, key.Public(), signer)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key}, nil
}

// PEM returns the CA certificate as a PEM CERTIFICATE block, the content
// of the server's -ca or -intermediate file.
func (ca *CA) PEM() []byte {
	return certPEM(ca.Cert)
}

// KeyPEM returns the CA private key as a PKCS #8 PEM block.
func (ca *CA) KeyPEM() ([]byte, error) {
	return keyPEM(ca.Key)
}

func caTemplate(commonName string) (*x509.Certificate, error) {
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	return &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}, nil
}

// newSerial returns a random positive 128-bit serial number.
func newSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 128)
	serial, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return nil, fmt.Errorf("generating serial number: %w", err)
	}
	return serial.Add(serial, big.NewInt(1)), nil
}

func createCert(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("creating certificate %q: %w", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing certificate %q: %w", tmpl.Subject.CommonName, err)
	}
	return cert, nil
}

func certPEM(cert *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
}

func keyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encoding private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
