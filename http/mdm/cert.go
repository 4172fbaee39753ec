package mdm

import (
	"crypto/x509"
	"errors"
	"log/slog"
	"net/http"

	"github.com/mdmforge/nanomdm/cryptoutil"
	nanohttp "github.com/mdmforge/nanomdm/http"
	"github.com/mdmforge/nanomdm/log"
)

// SignatureHeader is the request header in which a device sends the
// base64 CMS signature of the body.
const SignatureHeader = "Mdm-Signature"

// ErrMissingCertificate is logged when a request reaches verification
// without an identity certificate.
var ErrMissingCertificate = errors.New("missing MDM certificate")

// CertVerifier checks an identity certificate against the trusted CAs.
// [cryptoutil.Verifier] implements it.
type CertVerifier interface {
	Verify(cert *x509.Certificate) error
}

// CertExtractMdmSignature takes the identity certificate from the
// Mdm-Signature header: the signer of a detached CMS signature over the
// body (see [cryptoutil.VerifyMdmSignature]). A request without the
// header goes on with no certificate, so [CertVerify] rejects it. A
// signature that does not decode or verify is rejected with 400 at once. The body
// read here is handed on, so later handlers do not read it again.
// Verified signatures are remembered as [WithSignatureCache] describes.
func CertExtractMdmSignature(next http.Handler, opts ...Option) http.Handler {
	cfg := newConfig(opts)
	logger, signatures := cfg.logger, cfg.signatures
	if !cfg.signaturesSet {
		signatures = cryptoutil.NewSignatureCache(cryptoutil.DefaultSignatureCacheSize, nil)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		signature := r.Header.Get(SignatureHeader)
		if signature == "" {
			log.From(ctx, logger).DebugContext(ctx, "empty Mdm-Signature header")
			next.ServeHTTP(w, r)
			return
		}

		body, err := readBody(r)
		if err != nil {
			status := nanohttp.ErrorStatus(err)
			nanohttp.WriteError(w, r, logger, status, "reading body", err)
			return
		}

		cert, err := signatures.Verify(signature, body)
		if err != nil {
			var args []any
			if logger.Enabled(ctx, slog.LevelDebug) {
				args = append(args, "mdm_signature", signature)
			}
			nanohttp.WriteError(w, r, logger, http.StatusBadRequest, "verifying Mdm-Signature header", err, args...)
			return
		}

		r = withBody(r, body)
		next.ServeHTTP(w, r.WithContext(WithCertificate(r.Context(), cert)))
	})
}

// CertExtractHeader takes the identity certificate from the request
// header name, set by a TLS-terminating proxy (see
// [cryptoutil.ParseCertHeader] for the accepted forms). An empty header or
// a value that does not parse is logged and the request goes on with no
// certificate, so [CertVerify] rejects it with 400.
func CertExtractHeader(name string, next http.Handler, opts ...Option) http.Handler {
	logger := newConfig(opts).logger
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		value := r.Header.Get(name)
		if value == "" {
			log.From(ctx, logger).DebugContext(ctx, "empty header", "header", name)
			next.ServeHTTP(w, r)
			return
		}

		cert, err := cryptoutil.ParseCertHeader(value)
		if err != nil {
			log.From(ctx, logger).WarnContext(ctx, "cert extract",
				"header", name, "header_value", headerSample(value), log.KeyErr, err)
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithCertificate(ctx, cert)))
	})
}

// maxLoggedHeaderValue is how many bytes of a certificate header value that
// does not parse are logged: enough to tell a proxy placeholder such as
// "(null)" from a damaged certificate without logging a whole one.
const maxLoggedHeaderValue = 64

// headerSample returns value cut to maxLoggedHeaderValue bytes.
func headerSample(value string) string {
	if len(value) <= maxLoggedHeaderValue {
		return value
	}
	return value[:maxLoggedHeaderValue] + "..."
}

// CertVerify rejects a request with 400 unless it carries an identity
// certificate that verifier accepts. It never responds with 401, because
// devices may unenroll on a 401.
func CertVerify(verifier CertVerifier, next http.Handler, opts ...Option) http.Handler {
	logger := newConfig(opts).logger
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cert := Certificate(r.Context())
		err := ErrMissingCertificate
		if cert != nil {
			err = verifier.Verify(cert)
		}
		if err != nil {
			nanohttp.WriteError(w, r, logger, http.StatusBadRequest, "error verifying MDM certificate", err)
			return
		}
		next.ServeHTTP(w, r)
	})
}
