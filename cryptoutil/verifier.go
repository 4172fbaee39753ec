package cryptoutil

import (
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// DefaultVerifyCacheSize is the number of verified certificates a
// [Verifier] remembers unless [WithCacheSize] sets another size. A full
// cache of this size took 13 MB of heap with Go 1.26 on amd64.
const DefaultVerifyCacheSize = 1 << 17

var (
	// ErrMissingCertificate is returned by [Verifier.Verify] for a request
	// that carried no identity certificate.
	ErrMissingCertificate = errors.New("missing MDM certificate")

	errAppendRoots         = errors.New("could not append root CA(s)")
	errAppendIntermediates = errors.New("could not append intermediate CA(s)")
)

// Verifier checks device identity certificates against the configured
// root and intermediate CAs. It is safe for concurrent use.
//
// A certificate that verified once is remembered, keyed by the SHA-256 of
// its DER bytes, until the first NotAfter in its chain, so later requests
// skip chain building. Failures are not remembered.
type Verifier struct {
	opts  x509.VerifyOptions
	now   func() time.Time
	cache *expiringCache[struct{}]
}

// VerifierOption configures a [Verifier].
type VerifierOption func(*verifierConfig)

type verifierConfig struct {
	now       func() time.Time
	cacheSize int
}

// WithClock makes the Verifier take the current time from now instead of
// time.Now.
func WithClock(now func() time.Time) VerifierOption {
	return func(c *verifierConfig) { c.now = now }
}

// WithCacheSize bounds the number of remembered certificates; 0 turns the
// cache off. The default is DefaultVerifyCacheSize.
func WithCacheSize(n int) VerifierOption {
	return func(c *verifierConfig) { c.cacheSize = n }
}

// NewVerifier returns a Verifier trusting every certificate in rootsPEM
// as a root and every certificate in intermediatesPEM as an intermediate.
// PEM blocks of other types are skipped. It fails with "could not append
// root CA(s)" when rootsPEM has no certificate, and with "could not
// append intermediate CA(s)" when intermediatesPEM is not empty but has no
// certificate.
//
// Only these pools build chains: certificates a device sends along, such
// as the other certificates of its CMS signature, are never used.
func NewVerifier(rootsPEM, intermediatesPEM []byte, opts ...VerifierOption) (*Verifier, error) {
	cfg := verifierConfig{now: time.Now, cacheSize: DefaultVerifyCacheSize}
	for _, opt := range opts {
		opt(&cfg)
	}

	roots := x509.NewCertPool()
	if len(rootsPEM) == 0 || !roots.AppendCertsFromPEM(rootsPEM) {
		return nil, errAppendRoots
	}
	var intermediates *x509.CertPool
	if len(intermediatesPEM) > 0 {
		intermediates = x509.NewCertPool()
		if !intermediates.AppendCertsFromPEM(intermediatesPEM) {
			return nil, errAppendIntermediates
		}
	}

	return &Verifier{
		opts: x509.VerifyOptions{
			Roots:         roots,
			Intermediates: intermediates,
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		},
		now:   cfg.now,
		cache: newExpiringCache[struct{}](cfg.cacheSize),
	}, nil
}

// Verify checks that cert chains to a configured root through configured
// intermediates at the current time, and that the chain allows clientAuth.
// A certificate with no extended key usage extension passes. There is no
// revocation check.
func (v *Verifier) Verify(cert *x509.Certificate) error {
	if cert == nil {
		return ErrMissingCertificate
	}
	now := v.now()
	key := sha256.Sum256(cert.Raw)
	if _, ok := v.cache.get(key, now); ok {
		return nil
	}

	opts := v.opts
	opts.CurrentTime = now
	chains, err := cert.Verify(opts)
	if err != nil {
		return fmt.Errorf("verifying certificate %q: %w", cert.Subject.CommonName, err)
	}
	v.cache.add(key, chainWindow(chains[0]), struct{}{})
	return nil
}

// chainWindow returns the time span in which every certificate of chain is
// valid.
func chainWindow(chain []*x509.Certificate) window {
	notBefore, notAfter := chain[0].NotBefore, chain[0].NotAfter
	for _, c := range chain[1:] {
		if c.NotBefore.After(notBefore) {
			notBefore = c.NotBefore
		}
		if c.NotAfter.Before(notAfter) {
			notAfter = c.NotAfter
		}
	}
	return newWindow(notBefore, notAfter)
}
