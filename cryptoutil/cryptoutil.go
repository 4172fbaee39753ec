// Package cryptoutil contains the certificate and CMS code of the MDM
// server, with no HTTP in it. It verifies the Mdm-Signature header, reads a
// device certificate from a TLS-terminating proxy header and verifies
// identity certificates against the configured CA pools. It also hashes
// certificates for certificate binding and reads APNs push certificates.
package cryptoutil

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
)

// pemTypeCertificate is the PEM block type of an X.509 certificate.
const pemTypeCertificate = "CERTIFICATE"

// ErrNoPEMData is returned when the input has no PEM block at all.
var ErrNoPEMData = errors.New("no PEM data found")

// CertHash returns the lowercase hex SHA-256 of the certificate's DER
// bytes. Certificate bindings and the auth proxy key enrollments by it.
func CertHash(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// DecodePEMCertificate parses the first PEM block of pemBytes, which must
// be a CERTIFICATE block. Any bytes after that block are ignored.
func DecodePEMCertificate(pemBytes []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, ErrNoPEMData
	}
	if block.Type != pemTypeCertificate {
		return nil, fmt.Errorf("PEM block type is %q, want %q", block.Type, pemTypeCertificate)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing certificate: %w", err)
	}
	return cert, nil
}
