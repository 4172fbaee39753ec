package cryptoutil

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/smallstep/pkcs7"
)

// Steps of Mdm-Signature verification, as named in a [SignatureError].
const (
	StepDecodeBase64  = "decoding base64"
	StepParseCMS      = "parsing CMS"
	StepFindSigner    = "finding signer"
	StepMessageDigest = "checking message digest"
	StepSigningTime   = "checking signing time"
	StepSignature     = "verifying signature"
)

var (
	// ErrEmptySignature is returned for an empty Mdm-Signature header.
	ErrEmptySignature = errors.New("empty Mdm-Signature header")

	// ErrInvalidSigner is returned when the CMS does not have exactly one
	// signer.
	ErrInvalidSigner = errors.New("invalid or missing signer")

	// ErrSignerCertNotFound is returned when no certificate embedded in
	// the CMS matches the signer's issuer and serial number.
	ErrSignerCertNotFound = errors.New("signer certificate not found in CMS")
)

// SignatureError reports an Mdm-Signature header that failed one step of
// verification. Every SignatureError means the client sent a bad request.
type SignatureError struct {
	// Step is one of the Step constants.
	Step string
	Err  error
}

// Error returns "mdm signature: <step>: <error>".
func (e *SignatureError) Error() string {
	return fmt.Sprintf("mdm signature: %s: %v", e.Step, e.Err)
}

// Unwrap returns Err.
func (e *SignatureError) Unwrap() error { return e.Err }

// VerifyMdmSignature verifies the Mdm-Signature header of an MDM request
// and returns the signer's certificate, which is the device identity.
//
// The header is standard base64 (padding required) of a CMS SignedData,
// DER or BER. The signature is detached: body is the signed content and
// any content inside the CMS is ignored. The signer certificate must be
// embedded in the CMS, found by issuer and serial number, and there must
// be exactly one signer. With signed attributes, the message digest must
// match body under the CMS's digest algorithm and a signing time, if
// present, must fall within the signer certificate's validity. RSA
// PKCS #1 v1.5 and ECDSA signatures are accepted.
//
// The signer certificate is not checked against any CA here and the other
// embedded certificates are not returned: see [Verifier]. Errors are a
// *SignatureError naming the failed step.
func VerifyMdmSignature(header string, body []byte) (*x509.Certificate, error) {
	if header == "" {
		return nil, &SignatureError{Step: StepDecodeBase64, Err: ErrEmptySignature}
	}
	der, err := base64.StdEncoding.DecodeString(header)
	if err != nil {
		return nil, &SignatureError{Step: StepDecodeBase64, Err: err}
	}

	// Devices send DER, which the faster parser here reads. Everything
	// else, BER included, goes to pkcs7, which decides what NanoMDM would.
	if sd, ok := parseDERSignedData(der); ok {
		return verifyDER(sd, body)
	}
	return verifyPKCS7(der, body)
}

// verifyPKCS7 parses and verifies a DER or BER CMS signature over body with
// pkcs7.
//
// NOTE(parity): pkcs7's BER decoder panics on some malformed input (found
// by FuzzVerifyMdmSignature, e.g. the two bytes 0x5f 0x4d). NanoMDM lets
// that panic end the request with no response; here it becomes a
// StepParseCMS error, so the device gets 400 like any bad signature.
func verifyPKCS7(der, body []byte) (signer *x509.Certificate, err error) {
	defer func() {
		if r := recover(); r != nil {
			signer = nil
			err = &SignatureError{Step: StepParseCMS, Err: fmt.Errorf("malformed CMS: %v", r)}
		}
	}()

	p7, err := pkcs7.Parse(der)
	if err != nil {
		return nil, &SignatureError{Step: StepParseCMS, Err: err}
	}

	// NanoMDM reports any signer count other than one with this message.
	if len(p7.Signers) != 1 {
		return nil, &SignatureError{Step: StepFindSigner, Err: ErrInvalidSigner}
	}
	signer = p7.GetOnlySigner()
	if signer == nil {
		return nil, &SignatureError{Step: StepFindSigner, Err: ErrSignerCertNotFound}
	}

	// The HTTP body is the signed content of the detached signature.
	p7.Content = body
	if err := p7.Verify(); err != nil {
		return nil, &SignatureError{Step: verifyStep(err), Err: err}
	}
	return signer, nil
}

// verifyStep names the step of pkcs7's Verify that returned err.
func verifyStep(err error) string {
	var digestErr *pkcs7.MessageDigestMismatchError
	var timeErr *pkcs7.SigningTimeNotValidError
	switch {
	case errors.As(err, &digestErr):
		return StepMessageDigest
	case errors.As(err, &timeErr):
		return StepSigningTime
	}
	return StepSignature
}
