package devicesim

import (
	"encoding/base64"
	"fmt"
	"net/url"

	"github.com/smallstep/pkcs7"
)

// Sign returns the Mdm-Signature header value a device sends with body:
// the standard base64 of a detached CMS SignedData over body, made with
// SHA-256 and the identity's key, with signed attributes (content type,
// message digest, signing time) and the identity certificate embedded.
// The signing time is the current time.
func (id *Identity) Sign(body []byte) (string, error) {
	sd, err := pkcs7.NewSignedData(body)
	if err != nil {
		return "", fmt.Errorf("starting CMS signed data: %w", err)
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	if err := sd.AddSigner(id.Cert, id.Key, pkcs7.SignerInfoConfig{}); err != nil {
		return "", fmt.Errorf("adding CMS signer: %w", err)
	}
	sd.Detach()
	der, err := sd.Finish()
	if err != nil {
		return "", fmt.Errorf("encoding CMS signed data: %w", err)
	}
	return base64.StdEncoding.EncodeToString(der), nil
}

// RFC9440Header returns the certificate as an RFC 9440 Client-Cert header
// value: the base64 DER between colons.
func (id *Identity) RFC9440Header() string {
	return ":" + base64.StdEncoding.EncodeToString(id.Cert.Raw) + ":"
}

// EscapedPEMHeader returns the certificate as URL-escaped PEM, as nginx's
// $ssl_client_escaped_cert variable gives it. The '+' of base64 is
// escaped, because the server unescapes '+' to a space.
func (id *Identity) EscapedPEMHeader() string {
	return url.QueryEscape(string(id.CertPEM()))
}
