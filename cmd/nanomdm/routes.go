package main

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/url"
	"time"

	nanohttp "github.com/mdmforge/nanomdm/http"
	"github.com/mdmforge/nanomdm/http/api"
	"github.com/mdmforge/nanomdm/http/authproxy"
	httpmdm "github.com/mdmforge/nanomdm/http/mdm"
	"github.com/mdmforge/nanomdm/service"
)

// buildHandler registers the routes NanoMDM registers, under the same
// conditions, on a ServeMux without method or wildcard patterns. So every
// route takes any method, unknown paths get 404, and a prefix route
// requested without its slash gets a 301 redirect.
func (s *server) buildHandler(verifier httpmdm.CertVerifier, dmURL *url.URL, deps dependencies) error {
	mux := http.NewServeMux()
	core, err := s.newCoreService(dmURL, deps)
	if err != nil {
		return err
	}

	if !s.cfg.disableMDM {
		if err := s.registerMDM(mux, core, verifier, deps); err != nil {
			return err
		}
	}
	if s.cfg.api != "" {
		s.registerAPI(mux, core, deps)
	}
	mux.Handle("/version", api.VersionHandler(version))

	timeout := requestTimeout
	if deps.requestTimeout > 0 {
		timeout = deps.requestTimeout
	}
	h := withTimeout(timeout, nanohttp.LimitBody(s.cfg.maxBodyBytes, mux))
	s.handler = nanohttp.TraceLogging(handlerLogger(s.logger, "log"), h)
	return nil
}

// withTimeout cancels the context of each request after d. Work that
// follows the context then stops: an API push or enqueue to many devices
// whose APNs requests hang would otherwise keep going for hours, 30
// seconds per push, long after the response could be written.
//
// NOTE(parity): NanoMDM gives requests no deadline.
func withTimeout(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// registerMDM registers the device routes: /mdm, /checkin with -checkin
// and /authproxy/ with -auth-proxy-url.
func (s *server) registerMDM(mux *http.ServeMux, core service.CheckinAndCommandService, verifier httpmdm.CertVerifier, deps dependencies) error {
	svc := s.newMDMService(core, deps)
	if s.cfg.checkin {
		mux.Handle("/checkin", s.withIdentity(verifier, httpmdm.CheckinHandler(svc,
			httpmdm.WithLogger(handlerLogger(s.logger, "checkin")))))
		mux.Handle("/mdm", s.withIdentity(verifier, httpmdm.CommandAndReportResultsHandler(svc,
			httpmdm.WithLogger(handlerLogger(s.logger, "command")))))
	} else {
		mux.Handle("/mdm", s.withIdentity(verifier, httpmdm.CheckinAndCommandHandler(svc,
			httpmdm.WithLogger(handlerLogger(s.logger, "checkin-command")))))
	}

	if s.cfg.authProxyURL == "" {
		return nil
	}
	target, err := parseAuthProxyURL(s.cfg.authProxyURL, s.logger)
	if err != nil {
		return err
	}
	proxy := authproxy.New(target, s.store, identity,
		authproxy.WithLogger(handlerLogger(s.logger, "authproxy")))
	mux.Handle("/authproxy/", http.StripPrefix("/authproxy", s.withIdentity(verifier, proxy)))
	return nil
}

// identity returns the verified identity certificate of a request.
func identity(ctx context.Context) *x509.Certificate {
	return httpmdm.Certificate(ctx)
}

// withIdentity puts next behind certificate extraction, from the
// -cert-header header or else from Mdm-Signature, and verification.
func (s *server) withIdentity(verifier httpmdm.CertVerifier, next http.Handler) http.Handler {
	h := httpmdm.CertVerify(verifier, next, httpmdm.WithLogger(handlerLogger(s.logger, "cert-verify")))
	extractLogger := httpmdm.WithLogger(handlerLogger(s.logger, "cert-extract"))
	if s.cfg.certHeader != "" {
		return httpmdm.CertExtractHeader(s.cfg.certHeader, h, extractLogger)
	}
	return httpmdm.CertExtractMdmSignature(h, extractLogger)
}

// registerAPI registers the operator API behind HTTP Basic auth, and
// /migration when -migration is set.
func (s *server) registerAPI(mux *http.ServeMux, core service.Checkin, deps dependencies) {
	a := s.newAPI(deps)
	auth := func(h http.Handler) http.Handler { return api.BasicAuth(s.cfg.api, h) }
	mux.Handle("/v1/pushcert", auth(a.PushCertHandler()))
	mux.Handle("/v1/push/", auth(a.PushHandler("/v1/push/")))
	mux.Handle("/v1/enqueue/", auth(a.EnqueueHandler("/v1/enqueue/")))
	mux.Handle("/v1/escrowkeyunlock", auth(a.EscrowKeyUnlockHandler()))
	if s.cfg.migration {
		mux.Handle("/migration", auth(httpmdm.MigrationHandler(core,
			httpmdm.WithLogger(handlerLogger(s.logger, "migration")))))
	}
}
