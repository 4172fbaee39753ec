// Package apns sends MDM push notifications to Apple Push Notification
// service (APNs) over HTTP/2. A [Factory] builds one [Provider] per push
// topic; each provider keeps one HTTP/2 client authenticated with that
// topic's push certificate and multiplexes many pushes over its
// connection.
//
// The request format is described at
// https://developer.apple.com/documentation/devicemanagement/sending-mdm-commands-to-a-device
package apns

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mdmforge/nanomdm/push"
	"golang.org/x/net/http2"
)

// Base URLs of the APNs provider API.
const (
	ProductionURL  = "https://api.push.apple.com"
	DevelopmentURL = "https://api.development.push.apple.com"
)

// Defaults used by [NewFactory].
const (
	DefaultWorkers = 5
	DefaultTimeout = 30 * time.Second
)

// HTTP/2 health checks on the long-lived APNs connection: a PING is sent
// after readIdleTimeout without frames, and the connection is closed when
// no reply comes within pingTimeout.
const (
	readIdleTimeout = 30 * time.Second
	pingTimeout     = 15 * time.Second
)

// Factory builds APNs providers. It implements [push.ProviderFactory].
type Factory struct {
	baseURL    string
	tlsConfig  *tls.Config
	rootCAs    *x509.CertPool
	client     *http.Client
	workers    int
	expiration time.Duration
	timeout    time.Duration
	now        func() time.Time
}

// Option configures a [Factory].
type Option func(*Factory)

// WithBaseURL sends pushes to baseURL instead of [ProductionURL]. Tests
// point it at a local HTTP/2 server.
func WithBaseURL(baseURL string) Option {
	return func(f *Factory) { f.baseURL = strings.TrimRight(baseURL, "/") }
}

// WithTLSConfig uses a clone of cfg as the base TLS configuration of every
// client the factory builds. The push certificate replaces any
// Certificates in it.
func WithTLSConfig(cfg *tls.Config) Option {
	return func(f *Factory) { f.tlsConfig = cfg }
}

// WithRootCAs verifies the APNs server against pool instead of the system
// roots.
func WithRootCAs(pool *x509.CertPool) Option {
	return func(f *Factory) { f.rootCAs = pool }
}

// WithHTTPClient sends every push through client instead of building an
// HTTP/2 client per topic. The factory then adds no push certificate, so
// client must present one itself.
func WithHTTPClient(client *http.Client) Option {
	return func(f *Factory) { f.client = client }
}

// WithWorkers sets how many pushes of one call may be in flight at once.
// Values below 1 mean 1. The default is [DefaultWorkers].
func WithWorkers(workers int) Option {
	return func(f *Factory) { f.workers = max(workers, 1) }
}

// WithExpiration sends an apns-expiration header of now plus d with every
// push. Without it (or with d <= 0) no such header is sent.
func WithExpiration(d time.Duration) Option {
	return func(f *Factory) { f.expiration = d }
}

// WithTimeout limits each push, from sending the request to reading the
// response, to d. The default is [DefaultTimeout]; d <= 0 keeps only the
// caller's context deadline.
func WithTimeout(d time.Duration) Option {
	return func(f *Factory) { f.timeout = d }
}

// WithClock sets the clock the apns-expiration header is computed from.
func WithClock(now func() time.Time) Option {
	return func(f *Factory) { f.now = now }
}

// NewFactory returns a factory configured by opts.
func NewFactory(opts ...Option) *Factory {
	f := &Factory{
		baseURL: ProductionURL,
		workers: DefaultWorkers,
		timeout: DefaultTimeout,
		now:     time.Now,
	}
	for _, opt := range opts {
		opt(f)
	}
	return f
}

// NewProvider returns a provider that authenticates to APNs with cert.
func (f *Factory) NewProvider(cert *tls.Certificate) (push.Provider, error) {
	if cert == nil {
		return nil, errors.New("building APNs provider: missing push certificate")
	}
	client := f.client
	if client == nil {
		var err error
		if client, err = f.newClient(cert); err != nil {
			return nil, fmt.Errorf("building APNs provider: %w", err)
		}
	}
	return &Provider{
		client:     client,
		baseURL:    f.baseURL,
		workers:    f.workers,
		expiration: f.expiration,
		timeout:    f.timeout,
		now:        f.now,
	}, nil
}

// newClient returns an HTTP/2 client presenting cert. It starts from a
// clone of [http.DefaultTransport], so dial and TLS handshake timeouts and
// HTTPS_PROXY apply as they do for Go's default client.
func (f *Factory) newClient(cert *tls.Certificate) (*http.Client, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.tlsConfig != nil {
		tlsConfig = f.tlsConfig.Clone()
	}
	tlsConfig.Certificates = []tls.Certificate{*cert}
	if f.rootCAs != nil {
		tlsConfig.RootCAs = f.rootCAs
	}

	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, errors.New("http.DefaultTransport is not an *http.Transport")
	}
	transport := base.Clone()
	transport.TLSClientConfig = tlsConfig

	// The x/net HTTP/2 transport reports a GOAWAY as http2.GoAwayError,
	// which carries the APNs reason; the copy bundled in net/http does not
	// export that type.
	h2, err := http2.ConfigureTransports(transport)
	if err != nil {
		return nil, fmt.Errorf("configuring HTTP/2: %w", err)
	}
	h2.ReadIdleTimeout = readIdleTimeout
	h2.PingTimeout = pingTimeout
	return &http.Client{Transport: transport}, nil
}
