// Package dmhook forwards DeclarativeManagement check-ins to a declarative
// management (DM) server over HTTP and returns its response body to the
// device.
//
// See https://developer.apple.com/documentation/devicemanagement/declarativemanagementrequest
package dmhook

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mdmforge/nanomdm/log"
)

// Defaults for the DM server requests. They are estimates, not measured
// limits.
const (
	// DefaultTimeout bounds one request to the DM server, response
	// included.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxResponseSize is the largest DM response body, in bytes,
	// passed on to a device. A larger one fails the check-in.
	DefaultMaxResponseSize = 32 << 20
)

// ErrInvalidBodyHash is returned when a DM response lacks a valid
// X-Hmac-Signature header while a receive HMAC key is set.
var ErrInvalidBodyHash = errors.New("invalid body hash header")

// hmacHeader carries the base64 HMAC-SHA256 of a body, in both directions.
const hmacHeader = "X-Hmac-Signature"

// DMHook is a [service.DeclarativeManagement] handler that sends each
// message to a URL under a base URL. It is safe for concurrent use.
type DMHook struct {
	base   *url.URL
	prefix string // decoded path that every target path starts with

	client  *http.Client
	sendKey []byte
	recvKey []byte
	logger  *slog.Logger
	maxSize int64
}

// Option configures a [DMHook].
type Option func(*DMHook)

// WithClient sets the HTTP client. It should have a timeout, because the
// device waits for the DM server's response.
func WithClient(client *http.Client) Option {
	return func(d *DMHook) { d.client = client }
}

// WithSendHMACKey signs every request: the X-Hmac-Signature header
// carries the standard base64 of the HMAC-SHA256 of the request body
// under key, also for a GET with an empty body.
func WithSendHMACKey(key []byte) Option {
	return func(d *DMHook) { d.sendKey = key }
}

// WithRecvHMACKey requires every response, whatever its status, to carry
// an X-Hmac-Signature header with the base64 HMAC-SHA256 of its body
// under key. Other responses fail with [ErrInvalidBodyHash].
func WithRecvHMACKey(key []byte) Option {
	return func(d *DMHook) { d.recvKey = key }
}

// WithMaxResponseSize sets the largest DM response body, in bytes, that
// is passed on to a device. Zero or less keeps [DefaultMaxResponseSize].
func WithMaxResponseSize(n int64) Option {
	return func(d *DMHook) {
		if n > 0 {
			d.maxSize = n
		}
	}
}

// WithLogger sets the logger. Lines carry service=dmhook.
func WithLogger(logger *slog.Logger) Option {
	return func(d *DMHook) { d.logger = logger }
}

// New returns a DMHook that resolves each message's Endpoint against
// baseURL as a relative URL reference (RFC 3986). Without a trailing
// slash on baseURL, an Endpoint replaces the base's last path segment, as
// in NanoMDM. By default it uses an HTTP client with [DefaultTimeout],
// accepts responses up to [DefaultMaxResponseSize], signs nothing, checks
// no response signature and logs nothing. It
// returns an error when baseURL is not an absolute http or https URL.
func New(baseURL string, opts ...Option) (*DMHook, error) {
	base, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("parsing DM base URL: %w", err)
	}
	if (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("invalid DM base URL %q: want an absolute http or https URL", baseURL)
	}

	// NOTE(parity): NanoMDM's DM client has no timeout and reads responses
	// of any size.
	d := &DMHook{
		base:    base,
		prefix:  base.Path[:strings.LastIndex(base.Path, "/")+1],
		client:  &http.Client{Timeout: DefaultTimeout},
		logger:  log.Nop(),
		maxSize: DefaultMaxResponseSize,
	}
	if d.prefix == "" {
		d.prefix = "/"
	}
	for _, opt := range opts {
		opt(d)
	}
	d.logger = d.logger.With(log.KeyService, "dmhook")
	if !strings.HasSuffix(base.Path, "/") {
		d.logger.Debug("DM base URL has no trailing slash, so endpoints replace its last path segment")
	}
	return d, nil
}
