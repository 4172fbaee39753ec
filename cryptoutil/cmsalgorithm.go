package cryptoutil

import (
	"crypto/x509"
	encasn1 "encoding/asn1"
	"fmt"

	"github.com/smallstep/pkcs7"
)

// signatureAlgorithm maps a SignerInfo's signature and digest algorithms
// to an x509 signature algorithm, accepting the same pairs as pkcs7. An
// ECDSA signature algorithm with a hash fixes the hash. RSA and a bare
// ECDSA curve take the hash from the digest algorithm.
func signatureAlgorithm(sigAlg, digestAlg encasn1.ObjectIdentifier) (x509.SignatureAlgorithm, error) {
	switch {
	case sigAlg.Equal(pkcs7.OIDDigestAlgorithmECDSASHA1):
		return x509.ECDSAWithSHA1, nil
	case sigAlg.Equal(pkcs7.OIDDigestAlgorithmECDSASHA256):
		return x509.ECDSAWithSHA256, nil
	case sigAlg.Equal(pkcs7.OIDDigestAlgorithmECDSASHA384):
		return x509.ECDSAWithSHA384, nil
	case sigAlg.Equal(pkcs7.OIDDigestAlgorithmECDSASHA512):
		return x509.ECDSAWithSHA512, nil
	case isRSAAlgorithm(sigAlg):
		return rsaAlgorithm(sigAlg, digestAlg)
	case sigAlg.Equal(pkcs7.OIDDigestAlgorithmDSA), sigAlg.Equal(pkcs7.OIDDigestAlgorithmDSASHA1):
		return dsaAlgorithm(sigAlg, digestAlg)
	case sigAlg.Equal(pkcs7.OIDEncryptionAlgorithmECDSAP256),
		sigAlg.Equal(pkcs7.OIDEncryptionAlgorithmECDSAP384),
		sigAlg.Equal(pkcs7.OIDEncryptionAlgorithmECDSAP521):
		return ecdsaCurveAlgorithm(sigAlg, digestAlg)
	}
	return 0, fmt.Errorf("unsupported signature algorithm %s", sigAlg)
}

func isRSAAlgorithm(oid encasn1.ObjectIdentifier) bool {
	return oid.Equal(pkcs7.OIDEncryptionAlgorithmRSA) ||
		oid.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA1) ||
		oid.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA256) ||
		oid.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA384) ||
		oid.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA512)
}

func rsaAlgorithm(sigAlg, digestAlg encasn1.ObjectIdentifier) (x509.SignatureAlgorithm, error) {
	switch {
	case digestAlg.Equal(pkcs7.OIDDigestAlgorithmSHA1), digestAlg.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA1):
		return x509.SHA1WithRSA, nil
	case digestAlg.Equal(pkcs7.OIDDigestAlgorithmSHA256), digestAlg.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA256):
		return x509.SHA256WithRSA, nil
	case digestAlg.Equal(pkcs7.OIDDigestAlgorithmSHA384), digestAlg.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA384):
		return x509.SHA384WithRSA, nil
	case digestAlg.Equal(pkcs7.OIDDigestAlgorithmSHA512), digestAlg.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA512):
		return x509.SHA512WithRSA, nil
	}
	return 0, unsupportedPair(sigAlg, digestAlg)
}

func dsaAlgorithm(sigAlg, digestAlg encasn1.ObjectIdentifier) (x509.SignatureAlgorithm, error) {
	switch {
	case digestAlg.Equal(pkcs7.OIDDigestAlgorithmSHA1):
		return x509.DSAWithSHA1, nil
	case digestAlg.Equal(pkcs7.OIDDigestAlgorithmSHA256):
		return x509.DSAWithSHA256, nil
	}
	return 0, unsupportedPair(sigAlg, digestAlg)
}

func ecdsaCurveAlgorithm(sigAlg, digestAlg encasn1.ObjectIdentifier) (x509.SignatureAlgorithm, error) {
	switch {
	case digestAlg.Equal(pkcs7.OIDDigestAlgorithmSHA1):
		return x509.ECDSAWithSHA1, nil
	case digestAlg.Equal(pkcs7.OIDDigestAlgorithmSHA256):
		return x509.ECDSAWithSHA256, nil
	case digestAlg.Equal(pkcs7.OIDDigestAlgorithmSHA384):
		return x509.ECDSAWithSHA384, nil
	case digestAlg.Equal(pkcs7.OIDDigestAlgorithmSHA512):
		return x509.ECDSAWithSHA512, nil
	}
	return 0, unsupportedPair(sigAlg, digestAlg)
}

func unsupportedPair(sigAlg, digestAlg encasn1.ObjectIdentifier) error {
	return fmt.Errorf("unsupported digest algorithm %s for signature algorithm %s", digestAlg, sigAlg)
}
