package cryptoutil

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
)

// ErrEmptyCertHeader is returned by [ParseCertHeader] for an empty value.
var ErrEmptyCertHeader = errors.New("empty certificate header")

// ParseCertHeader parses the client certificate that a TLS-terminating
// proxy put in a request header. A value starting with ':' is RFC 9440
// (":" + base64 DER + ":", at least 3 characters). Any other value is
// URL-escaped PEM as nginx's $ssl_client_escaped_cert gives it: it is
// unescaped like a query string, so '+' becomes a space, and its first
// PEM block must be a CERTIFICATE.
func ParseCertHeader(value string) (*x509.Certificate, error) {
	if value == "" {
		return nil, ErrEmptyCertHeader
	}
	if value[0] == ':' {
		return parseRFC9440(value)
	}
	return parseEscapedPEM(value)
}

// parseRFC9440 parses a Client-Cert header value of RFC 9440, section 2:
// the DER certificate as a byte sequence, which is base64 between colons.
func parseRFC9440(value string) (*x509.Certificate, error) {
	if len(value) < 3 {
		return nil, fmt.Errorf("RFC 9440 header value %q is shorter than 3 characters", value)
	}
	if value[len(value)-1] != ':' {
		return nil, errors.New("RFC 9440 header value does not end with ':'")
	}
	der, err := base64.StdEncoding.DecodeString(value[1 : len(value)-1])
	if err != nil {
		return nil, fmt.Errorf("decoding RFC 9440 header base64: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing RFC 9440 header certificate: %w", err)
	}
	return cert, nil
}

func parseEscapedPEM(value string) (*x509.Certificate, error) {
	unescaped, err := url.QueryUnescape(value)
	if err != nil {
		return nil, fmt.Errorf("unescaping certificate header: %w", err)
	}
	cert, err := DecodePEMCertificate([]byte(unescaped))
	if err != nil {
		return nil, fmt.Errorf("decoding certificate header PEM: %w", err)
	}
	return cert, nil
}
