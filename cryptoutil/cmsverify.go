package cryptoutil

import (
	"bytes"
	"crypto"
	"crypto/subtle"
	"crypto/x509"
	encasn1 "encoding/asn1"
	"errors"
	"fmt"
	"time"

	"github.com/smallstep/pkcs7"
)

// ErrMessageDigestMismatch is returned when the message-digest attribute
// does not match the hash of the request body.
var ErrMessageDigestMismatch = errors.New("message digest does not match body")

// verifyDER checks a signature that parseDERSignedData read, step by step
// in the order pkcs7's Verify takes, so that both paths fail the same
// inputs at the same step.
func verifyDER(sd *derSignedData, body []byte) (*x509.Certificate, error) {
	certs, err := x509.ParseCertificates(sd.certs)
	if err != nil {
		return nil, &SignatureError{Step: StepParseCMS, Err: err}
	}
	if sd.signers != 1 {
		return nil, &SignatureError{Step: StepFindSigner, Err: ErrInvalidSigner}
	}
	s := &sd.signer
	signer := findCert(certs, s)
	if signer == nil {
		return nil, &SignatureError{Step: StepFindSigner, Err: ErrSignerCertNotFound}
	}

	signed := body
	if s.signedAttrs != nil {
		if err := checkSignedAttributes(s, signer, body); err != nil {
			return nil, err
		}
		// RFC 5652, section 5.4: the signature covers the attributes
		// encoded with the SET OF tag in place of their [0] tag.
		signed = append([]byte{0x31}, s.signedAttrs[1:]...)
	}

	algorithm, err := signatureAlgorithm(s.sigAlg, s.digestAlg)
	if err != nil {
		return nil, &SignatureError{Step: StepSignature, Err: err}
	}
	if err := signer.CheckSignature(algorithm, signed, s.signature); err != nil {
		return nil, &SignatureError{Step: StepSignature, Err: err}
	}
	return signer, nil
}

// findCert returns the first certificate with the signer's issuer and
// serial number, or nil.
func findCert(certs []*x509.Certificate, s *derSigner) *x509.Certificate {
	for _, cert := range certs {
		if cert.SerialNumber.Cmp(s.serial) == 0 && bytes.Equal(cert.RawIssuer, s.issuer) {
			return cert
		}
	}
	return nil
}

// checkSignedAttributes checks the message-digest attribute against body
// and, when present and readable, the signing time against the signer's
// validity.
func checkSignedAttributes(s *derSigner, signer *x509.Certificate, body []byte) error {
	var digest []byte
	if err := unmarshalAttribute(s.attrs, pkcs7.OIDAttributeMessageDigest, &digest); err != nil {
		return &SignatureError{Step: StepSignature, Err: err}
	}
	hash, err := digestHash(s.digestAlg)
	if err != nil {
		return &SignatureError{Step: StepSignature, Err: err}
	}
	h := hash.New()
	h.Write(body)
	if subtle.ConstantTimeCompare(digest, h.Sum(nil)) != 1 {
		return &SignatureError{Step: StepMessageDigest, Err: ErrMessageDigestMismatch}
	}

	// pkcs7 skips the check when the attribute is missing or unreadable.
	var signingTime time.Time
	if unmarshalAttribute(s.attrs, pkcs7.OIDAttributeSigningTime, &signingTime) != nil {
		return nil
	}
	if signingTime.Before(signer.NotBefore) || signingTime.After(signer.NotAfter) {
		err := fmt.Errorf("signing time %s is outside the signer certificate's validity %s to %s",
			signingTime.Format(time.RFC3339), signer.NotBefore.Format(time.RFC3339),
			signer.NotAfter.Format(time.RFC3339))
		return &SignatureError{Step: StepSigningTime, Err: err}
	}
	return nil
}

// unmarshalAttribute decodes the first value of the first attribute of
// type typ into out.
func unmarshalAttribute(attrs []derAttribute, typ encasn1.ObjectIdentifier, out any) error {
	for _, attr := range attrs {
		if attr.typ.Equal(typ) {
			_, err := encasn1.Unmarshal(attr.values, out)
			return err
		}
	}
	return fmt.Errorf("signed attribute %s not found", typ)
}

// digestHash maps a CMS digest algorithm to its hash, accepting the same
// OIDs as pkcs7 does.
func digestHash(oid encasn1.ObjectIdentifier) (crypto.Hash, error) {
	switch {
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA1), oid.Equal(pkcs7.OIDDigestAlgorithmECDSASHA1),
		oid.Equal(pkcs7.OIDDigestAlgorithmDSA), oid.Equal(pkcs7.OIDDigestAlgorithmDSASHA1),
		oid.Equal(pkcs7.OIDEncryptionAlgorithmRSA):
		return crypto.SHA1, nil
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA256), oid.Equal(pkcs7.OIDDigestAlgorithmECDSASHA256):
		return crypto.SHA256, nil
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA384), oid.Equal(pkcs7.OIDDigestAlgorithmECDSASHA384):
		return crypto.SHA384, nil
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA512), oid.Equal(pkcs7.OIDDigestAlgorithmECDSASHA512):
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("unsupported digest algorithm %s", oid)
}
