// Package api serves the operator HTTP API under /v1. It uploads and
// reads APNs push certificates, enqueues commands, sends pushes and
// forwards Activation Lock bypass (escrow key unlock) requests to Apple.
// It also has the unauthenticated /version route and the Basic auth
// middleware that guards the others.
//
// Every /v1 JSON body is indented with tabs, ends with a newline and is
// sent as "application/json" with no charset, as NanoMDM sends it.
package api

import (
	"crypto/tls"
	"log/slog"
	"time"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/push"
	"github.com/mdmforge/nanomdm/storage"
)

// Route prefixes the push and enqueue handlers expect in the request
// path. Everything after the prefix is the comma-separated ID list.
const (
	PushPrefix    = "/v1/push/"
	EnqueuePrefix = "/v1/enqueue/"
)

// DefaultMaxBodySize caps request bodies, in bytes, unless
// [WithMaxBodySize] sets another cap. It is 10 MiB, the default of the
// server's -max-body-bytes flag.
const DefaultMaxBodySize = 10 << 20

// DefaultEscrowURL is Apple's escrow key unlock (Activation Lock bypass)
// endpoint.
// See https://developer.apple.com/documentation/devicemanagement/creating-and-using-bypass-codes
const DefaultEscrowURL = "https://deviceservices-external.apple.com/deviceservicesworkers/escrowKeyUnlock"

// DefaultEscrowTimeout limits one escrow key unlock request to Apple,
// including reading its response.
const DefaultEscrowTimeout = 60 * time.Second

// API holds what the handlers share. Build it with [New].
type API struct {
	certs    storage.PushCertStore
	enqueuer storage.CommandEnqueuer
	pusher   push.Pusher
	logger   *slog.Logger

	maxBodySize   int64
	escrowURL     string
	escrowTLS     *tls.Config
	escrowTimeout time.Duration
}

// Option configures an [API].
type Option func(*API)

// WithLogger logs through logger. The default discards everything.
func WithLogger(logger *slog.Logger) Option {
	return func(a *API) { a.logger = logger }
}

// WithMaxBodySize caps request bodies at n bytes; larger bodies get 413.
// The default is [DefaultMaxBodySize]. Values below 1 keep the default.
func WithMaxBodySize(n int64) Option {
	return func(a *API) {
		if n > 0 {
			a.maxBodySize = n
		}
	}
}

// WithEscrowURL sends escrow key unlock requests to url instead of
// [DefaultEscrowURL]. Tests point it at a local server.
func WithEscrowURL(url string) Option {
	return func(a *API) { a.escrowURL = url }
}

// WithEscrowTLSConfig uses a clone of cfg as the base TLS configuration
// for escrow key unlock requests, for example to trust a test server's
// CA. The topic's push certificate is always added as the client
// certificate.
func WithEscrowTLSConfig(cfg *tls.Config) Option {
	return func(a *API) { a.escrowTLS = cfg }
}

// WithEscrowTimeout limits each escrow key unlock request to d. The
// default is [DefaultEscrowTimeout].
func WithEscrowTimeout(d time.Duration) Option {
	return func(a *API) { a.escrowTimeout = d }
}

// New returns the API over certs (push certificates), enqueuer (the
// command queue) and pusher. None of them may be nil.
func New(certs storage.PushCertStore, enqueuer storage.CommandEnqueuer, pusher push.Pusher, opts ...Option) *API {
	a := &API{
		certs:         certs,
		enqueuer:      enqueuer,
		pusher:        pusher,
		logger:        log.Nop(),
		maxBodySize:   DefaultMaxBodySize,
		escrowURL:     DefaultEscrowURL,
		escrowTimeout: DefaultEscrowTimeout,
	}
	for _, opt := range opts {
		opt(a)
	}
	return a
}

// handlerLogger returns the logger of one handler, tagged with its name.
func (a *API) handlerLogger(name string) *slog.Logger {
	return a.logger.With(log.KeyHandler, name)
}
