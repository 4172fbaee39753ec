// Package authproxy forwards requests from enrolled devices to another
// HTTP service. The device proves who it is with its MDM identity
// certificate, and the upstream service learns the device's enrollment ID
// from the X-Enrollment-ID header without handling certificates itself.
package authproxy

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/mdmforge/nanomdm/cryptoutil"
	"github.com/mdmforge/nanomdm/log"
)

// Headers set on every request sent upstream. Client-supplied values of
// the same names are replaced.
const (
	EnrollmentIDHeader = "X-Enrollment-ID"
	TraceIDHeader      = "X-Trace-ID"
)

// Errors logged when a request cannot be tied to an enrollment.
var (
	ErrMissingCertificate  = errors.New("missing certificate")
	ErrMissingEnrollmentID = errors.New("missing enrollment id")
)

// EnrollmentStore finds the device channel ID an identity certificate is
// bound to. [storage.CertAuthStore] implements it.
type EnrollmentStore interface {
	// EnrollmentFromHash returns the ID bound to hash, or "" when none is.
	EnrollmentFromHash(ctx context.Context, hash string) (string, error)
}

// CertificateFunc returns the verified identity certificate of a request,
// or nil when it has none.
type CertificateFunc func(ctx context.Context) *x509.Certificate

// Option configures [New].
type Option func(*proxy)

// WithLogger sets the logger for refused and failed requests. The default
// discards them.
func WithLogger(logger *slog.Logger) Option {
	return func(p *proxy) {
		p.logger = logger
	}
}

// WithTransport sets the transport to the upstream service. The default is
// [http.DefaultTransport].
func WithTransport(rt http.RoundTripper) Option {
	return func(p *proxy) {
		p.transport = rt
	}
}

type proxy struct {
	logger    *slog.Logger
	transport http.RoundTripper
	store     EnrollmentStore
	certFunc  CertificateFunc
}

// New returns a handler that proxies to target. The caller removes the
// route prefix from the path first, for example with [http.StripPrefix]
// and "/authproxy". The rest of the path is joined to the target path with
// one slash, and the queries of both are joined.
//
// certFunc reads the identity certificate that earlier middleware verified.
// A request without one is rejected with status 400 and the body
// "Unauthorized", as NanoMDM does, and so is a certificate bound to no
// enrollment. A failed lookup gets 500, and a failed upstream request gets
// 502 with an empty body. The Mdm-Signature header is never sent upstream.
// New panics if target, store or certFunc is nil.
func New(target *url.URL, store EnrollmentStore, certFunc CertificateFunc, opts ...Option) http.Handler {
	if target == nil || store == nil || certFunc == nil {
		panic("authproxy: nil target, store or certificate function")
	}
	p := &proxy{logger: log.Nop(), store: store, certFunc: certFunc}
	for _, opt := range opts {
		opt(p)
	}

	rp := &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { rewrite(pr, target) },
		Transport: p.transport,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			log.From(r.Context(), p.logger).ErrorContext(r.Context(), "proxying request", log.KeyErr, err)
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	return p.withEnrollmentID(rp)
}

// rewrite points the outbound request at target and sets its headers the
// way NanoMDM's single-host proxy does. Host is the target's, and the
// client IP is appended to any X-Forwarded-For the client sent. The
// client's other X-Forwarded-* headers pass unchanged, and Mdm-Signature
// is removed.
//
// NOTE(parity): the enrollment and trace ID headers are copied from the
// inbound request here, after the hop-by-hop headers were removed. In
// NanoMDM a client can remove them by listing them in its Connection
// header.
func rewrite(pr *httputil.ProxyRequest, target *url.URL) {
	pr.SetURL(target)
	for _, name := range []string{"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"} {
		if values, ok := pr.In.Header[name]; ok {
			pr.Out.Header[name] = values
		}
	}
	if ip, _, err := net.SplitHostPort(pr.In.RemoteAddr); err == nil {
		if prior := pr.Out.Header["X-Forwarded-For"]; len(prior) > 0 {
			ip = strings.Join(prior, ", ") + ", " + ip
		}
		pr.Out.Header.Set("X-Forwarded-For", ip)
	}
	pr.Out.Header.Del("Mdm-Signature")
	pr.Out.Header.Set(EnrollmentIDHeader, pr.In.Header.Get(EnrollmentIDHeader))
	pr.Out.Header.Set(TraceIDHeader, pr.In.Header.Get(TraceIDHeader))
}

// withEnrollmentID sets the enrollment ID and trace ID headers on the
// request before next proxies it.
func (p *proxy) withEnrollmentID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		logger := log.From(ctx, p.logger)
		cert := p.certFunc(ctx)
		if cert == nil {
			logger.WarnContext(ctx, "checking enrollment", log.KeyErr, ErrMissingCertificate)
			http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusBadRequest)
			return
		}

		id, err := p.store.EnrollmentFromHash(ctx, cryptoutil.CertHash(cert))
		if err != nil {
			// NOTE(parity): NanoMDM logs this step misspelled as "retreiving".
			logger.ErrorContext(ctx, "retrieving enrollment from hash", log.KeyErr, err)
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		if id == "" {
			logger.WarnContext(ctx, "checking enrollment", log.KeyErr, ErrMissingEnrollmentID)
			http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusBadRequest)
			return
		}

		r.Header.Set(EnrollmentIDHeader, id)
		r.Header.Set(TraceIDHeader, log.TraceID(ctx))
		next.ServeHTTP(w, r)
	})
}
