package cryptoutil

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// APNSTopicPrefix starts every MDM push topic.
const APNSTopicPrefix = "com.apple.mgmt"

// oidUID is the userID attribute (RFC 4519) that holds the APNs topic in
// the subject of an MDM push certificate.
var oidUID = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}

var (
	// ErrNoAPNSTopic is returned for a certificate whose subject has no
	// UID attribute.
	ErrNoAPNSTopic = errors.New("no APNs Topic found")

	// ErrEncryptedKey is returned for a private key PEM block with the
	// legacy OpenSSL encryption headers (Proc-Type: 4,ENCRYPTED).
	ErrEncryptedKey = errors.New("private key PEM appears to be encrypted")
)

// Steps of reading an uploaded push certificate, as NanoMDM logs them
// under msg.
const (
	PushCertStepReadPEM = "reading PEM cert and key"
	PushCertStepKeyPair = "parse X509 key pair"
	PushCertStepTopic   = "topic from cert"
)

// PushCertError reports an uploaded push certificate or key that cannot be
// used, so the API returns 400 with its message. Error returns the
// wrapped error's message unchanged, because clients match on it.
type PushCertError struct {
	// Step is one of the PushCertStep constants, for the log line.
	Step string
	Err  error
}

// Error returns the message of Err unchanged.
func (e *PushCertError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *PushCertError) Unwrap() error { return e.Err }

// TopicFromCert returns the APNs topic of an MDM push certificate: the
// first UID attribute of its subject, which must start with
// "com.apple.mgmt". Errors are a *PushCertError: ErrNoAPNSTopic, or
// `invalid APNs Topic: "<value>"`. The validity dates are not checked.
func TopicFromCert(cert *x509.Certificate) (string, error) {
	for _, name := range cert.Subject.Names {
		if !name.Type.Equal(oidUID) {
			continue
		}
		topic, ok := name.Value.(string)
		if !ok || !strings.HasPrefix(topic, APNSTopicPrefix) {
			err := fmt.Errorf("invalid APNs Topic: %q", fmt.Sprint(name.Value))
			return "", &PushCertError{Step: PushCertStepTopic, Err: err}
		}
		return topic, nil
	}
	return "", &PushCertError{Step: PushCertStepTopic, Err: ErrNoAPNSTopic}
}

// ParsePushCertUpload splits an uploaded push certificate and private key,
// PEM blocks in any order, and checks that they form a pair. It returns
// each as a PEM block ready to store.
//
// Blocks glued together without a newline are split first. Junk before
// the first block is skipped and reading stops at the first remainder
// that is not PEM. The last CERTIFICATE block and the last "PRIVATE KEY"
// or "... PRIVATE KEY" block win. A key with legacy encryption headers
// fails with ErrEncryptedKey, and any other block type fails with
// `unrecognized PEM type: "<type>"`. The pair is then checked with
// tls.X509KeyPair, whose messages are returned unchanged. Every error is
// a *PushCertError.
func ParsePushCertUpload(body []byte) (certPEM, keyPEM []byte, err error) {
	// "----------" only occurs where an END line runs into a BEGIN line.
	rest := bytes.ReplaceAll(body, []byte("----------"), []byte("-----\n-----"))
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch {
		case block.Type == pemTypeCertificate:
			certPEM = pem.EncodeToMemory(block)
		case block.Type == "PRIVATE KEY" || strings.HasSuffix(block.Type, " PRIVATE KEY"):
			//lint:ignore SA1019 legacy PEM encryption is detected only to reject it.
			if x509.IsEncryptedPEMBlock(block) {
				return nil, nil, &PushCertError{Step: PushCertStepReadPEM, Err: ErrEncryptedKey}
			}
			keyPEM = pem.EncodeToMemory(block)
		default:
			err := fmt.Errorf("unrecognized PEM type: %q", block.Type)
			return nil, nil, &PushCertError{Step: PushCertStepReadPEM, Err: err}
		}
	}

	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		return nil, nil, &PushCertError{Step: PushCertStepKeyPair, Err: err}
	}
	return certPEM, keyPEM, nil
}
