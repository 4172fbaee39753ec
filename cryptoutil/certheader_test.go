package cryptoutil_test

import (
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/cryptoutil"
	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

func TestParseCertHeader(t *testing.T) {
	id := newIdentity(t, devicesim.RSA2048)
	certPEM := string(id.CertPEM())
	// nginx escapes with %XX and never writes '+' for a space.
	nginxEscaped := strings.ReplaceAll(url.QueryEscape(certPEM), "+", "%20")
	publicKeyPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}})

	tests := []struct {
		name    string
		value   string
		wantOK  bool
		wantErr error
	}{
		{name: "RFC 9440", value: id.RFC9440Header(), wantOK: true},
		{name: "query-escaped PEM", value: id.EscapedPEMHeader(), wantOK: true},
		{name: "nginx-escaped PEM", value: nginxEscaped, wantOK: true},
		{name: "empty", value: "", wantErr: cryptoutil.ErrEmptyCertHeader},
		{name: "RFC 9440 one colon", value: ":"},
		{name: "RFC 9440 two colons", value: "::"},
		{name: "RFC 9440 no closing colon", value: ":" + base64.StdEncoding.EncodeToString(id.Cert.Raw)},
		{name: "RFC 9440 bad base64", value: ":!!!!:"},
		{name: "RFC 9440 not a certificate", value: ":AAAA:"},
		{name: "bad escape", value: "%zz"},
		{name: "no PEM", value: "hello", wantErr: cryptoutil.ErrNoPEMData},
		{name: "PEM of another type", value: url.QueryEscape(string(publicKeyPEM))},
		{name: "PEM not a certificate", value: url.QueryEscape("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cert, err := cryptoutil.ParseCertHeader(tc.value)
			if !tc.wantOK {
				if err == nil {
					t.Fatalf("got certificate %q, want an error", cert.Subject)
				}
				if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Errorf("got error %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if !cert.Equal(id.Cert) {
				t.Errorf("got certificate %q, want the identity certificate", cert.Subject)
			}
		})
	}
}

func TestParseCertHeaderPlusIsSpace(t *testing.T) {
	id := newIdentity(t, devicesim.ECDSAP256)
	// Escaping that keeps '+' literal breaks the base64, because '+'
	// unescapes to a space.
	value := url.PathEscape(string(id.CertPEM()))
	if !strings.Contains(value, "+") {
		t.Skip("certificate base64 has no '+'")
	}
	if _, err := cryptoutil.ParseCertHeader(value); err == nil {
		t.Error("got no error for a literal '+', want one")
	}
}
