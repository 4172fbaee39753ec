package mdm

import (
	"log/slog"

	"github.com/mdmforge/nanomdm/cryptoutil"
	"github.com/mdmforge/nanomdm/log"
)

// Option configures the handlers and middleware of this package.
type Option func(*config)

type config struct {
	logger *slog.Logger

	signatures    *cryptoutil.SignatureCache
	signaturesSet bool
}

// WithLogger sets the logger for errors and debug lines. The default
// discards them.
func WithLogger(logger *slog.Logger) Option {
	return func(c *config) {
		c.logger = logger
	}
}

// WithSignatureCache sets the cache through which [CertExtractMdmSignature]
// verifies Mdm-Signature headers; nil verifies every header anew. The
// default is a cache of [cryptoutil.DefaultSignatureCacheSize] entries
// for each handler. Other handlers ignore this option.
func WithSignatureCache(cache *cryptoutil.SignatureCache) Option {
	return func(c *config) {
		c.signatures = cache
		c.signaturesSet = true
	}
}

func newConfig(opts []Option) *config {
	c := &config{logger: log.Nop()}
	for _, opt := range opts {
		opt(c)
	}
	return c
}
