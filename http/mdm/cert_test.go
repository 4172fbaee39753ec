package mdm_test

import (
	"crypto/x509"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	httpmdm "github.com/mdmforge/nanomdm/http/mdm"
	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

// certEcho responds 200 with the common name of the request's verified
// certificate, so tests see which identity got through.
var certEcho = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if cert := httpmdm.Certificate(r.Context()); cert != nil {
		w.Write([]byte(cert.Subject.CommonName))
	}
})

func TestCertExtractMdmSignature(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	other := newPKI(t)
	expired, err := p.ca.NewIdentity(devicesim.ECDSAP256, devicesim.Expired())
	if err != nil {
		t.Fatal(err)
	}
	serverAuth, err := p.ca.NewIdentity(devicesim.ECDSAP256, devicesim.WithExtKeyUsage(x509.ExtKeyUsageServerAuth))
	if err != nil {
		t.Fatal(err)
	}
	body := []byte("<plist/>")
	sign := func(id *devicesim.Identity, b []byte) string {
		sig, err := id.Sign(b)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}

	tests := []struct {
		name      string
		signature string
		want      int
		wantLog   string
	}{
		{name: "valid", signature: sign(p.identity, body), want: http.StatusOK},
		{name: "no header", signature: "", want: http.StatusBadRequest, wantLog: "missing MDM certificate"},
		{name: "not base64", signature: "!!!", want: http.StatusBadRequest, wantLog: "verifying Mdm-Signature header"},
		{name: "not CMS", signature: base64.StdEncoding.EncodeToString([]byte("hello")), want: http.StatusBadRequest, wantLog: "verifying Mdm-Signature header"},
		{name: "other body", signature: sign(p.identity, []byte("<plist></plist>")), want: http.StatusBadRequest, wantLog: "verifying Mdm-Signature header"},
		{name: "other CA", signature: sign(other.identity, body), want: http.StatusBadRequest, wantLog: "error verifying MDM certificate"},
		{name: "expired", signature: sign(expired, body), want: http.StatusBadRequest},
		{name: "wrong key usage", signature: sign(serverAuth, body), want: http.StatusBadRequest, wantLog: "incompatible key usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logs, logger := newLogger()
			h := httpmdm.CertExtractMdmSignature(
				httpmdm.CertVerify(p.verifier, certEcho, httpmdm.WithLogger(logger)),
				httpmdm.WithLogger(logger),
			)
			req := httptest.NewRequest(http.MethodPut, "/mdm", strings.NewReader(string(body)))
			if tt.signature != "" {
				req.Header.Set("Mdm-Signature", tt.signature)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if rec.Code != tt.want {
				t.Fatalf("got status %d, want %d; log: %s", rec.Code, tt.want, logs)
			}
			if tt.want == http.StatusOK && rec.Body.String() != p.identity.Cert.Subject.CommonName {
				t.Errorf("got identity %q, want %q", rec.Body.String(), p.identity.Cert.Subject.CommonName)
			}
			if tt.want == http.StatusBadRequest && rec.Body.String() != "Bad Request\n" {
				t.Errorf("got body %q, want %q", rec.Body.String(), "Bad Request\n")
			}
			if !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("log %q does not contain %q", logs, tt.wantLog)
			}
		})
	}
}

func TestCertExtractHeader(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	tests := []struct {
		name  string
		value string
		want  int
	}{
		{name: "RFC 9440", value: p.identity.RFC9440Header(), want: http.StatusOK},
		{name: "escaped PEM", value: p.identity.EscapedPEMHeader(), want: http.StatusOK},
		{name: "empty", value: "", want: http.StatusBadRequest},
		{name: "garbage", value: ":bm90IGEgY2VydA==:", want: http.StatusBadRequest},
		{name: "unterminated", value: ":abc", want: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := httpmdm.CertExtractHeader("X-Client-Cert", httpmdm.CertVerify(p.verifier, certEcho))
			req := httptest.NewRequest(http.MethodPut, "/mdm", strings.NewReader("body"))
			req.Header.Set("X-Client-Cert", tt.value)
			// A signature is ignored in header mode.
			req.Header.Set("Mdm-Signature", "!!!")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if rec.Code != tt.want {
				t.Errorf("got status %d, want %d", rec.Code, tt.want)
			}
		})
	}
}

func TestCertExtractBodyReadTwice(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	body := "<plist>body</plist>"
	sig, err := p.identity.Sign([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	var forwarded string
	h := httpmdm.CertExtractMdmSignature(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		forwarded = string(b)
	}))
	req := httptest.NewRequest(http.MethodPut, "/authproxy/x", strings.NewReader(body))
	req.Header.Set("Mdm-Signature", sig)
	h.ServeHTTP(httptest.NewRecorder(), req)

	if forwarded != body {
		t.Errorf("got forwarded body %q, want %q", forwarded, body)
	}
}

func TestCertExtractMdmSignatureRepeated(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	expired, err := p.ca.NewIdentity(devicesim.ECDSAP256, devicesim.Expired())
	if err != nil {
		t.Fatal(err)
	}
	body := "<plist/>"
	validSig, err := p.identity.Sign([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	expiredSig, err := expired.Sign([]byte(body))
	if err != nil {
		t.Fatal(err)
	}

	// Every request is sent three times to one handler, so the later
	// ones meet a cache that has seen the signature.
	tests := []struct {
		name      string
		signature string
		body      string
		want      int
	}{
		{name: "valid", signature: validSig, body: body, want: http.StatusOK},
		{name: "valid signature other body", signature: validSig, body: "<plist></plist>", want: http.StatusBadRequest},
		{name: "expired", signature: expiredSig, body: body, want: http.StatusBadRequest},
	}
	for _, mode := range []struct {
		name string
		opts []httpmdm.Option
	}{
		{name: "default cache"},
		{name: "no cache", opts: []httpmdm.Option{httpmdm.WithSignatureCache(nil)}},
	} {
		h := httpmdm.CertExtractMdmSignature(httpmdm.CertVerify(p.verifier, certEcho), mode.opts...)
		for _, tt := range tests {
			for attempt := range 3 {
				req := httptest.NewRequest(http.MethodPut, "/mdm", strings.NewReader(tt.body))
				req.Header.Set("Mdm-Signature", tt.signature)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)

				if rec.Code != tt.want {
					t.Errorf("%s, %s, attempt %d: got status %d, want %d", mode.name, tt.name, attempt, rec.Code, tt.want)
				}
			}
		}
	}
}
