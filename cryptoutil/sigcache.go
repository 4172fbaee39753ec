package cryptoutil

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"time"
)

// DefaultSignatureCacheSize is the number of verified Mdm-Signature
// headers a [SignatureCache] from [NewSignatureCache] remembers when it is
// given no other size. Each entry keeps the parsed signer certificate and
// the decoded CMS it points into, an estimated 2 to 3 KB, so a full cache
// takes roughly 4 to 6 MB.
const DefaultSignatureCacheSize = 1 << 11

// seenPerEntry is how many hashes of first-seen pairs a SignatureCache
// keeps for each entry of its certificate cache.
const seenPerEntry = 4

// SignatureCache verifies Mdm-Signature headers as [VerifyMdmSignature]
// does and remembers (header, body) pairs that verified, keyed by a
// SHA-256 over both, until the NotAfter of their signer certificate. A pair
// seen again then skips CMS parsing and the public key operation. That
// pays off for devices and load tools that send an identical signed body
// again, such as an unchanged Idle report.
//
// Most pairs are never sent twice, because a device signs each report and
// check-in anew. So the first verification of a pair only records its
// hash, and the certificate is kept from the second one on. Unique
// messages then cost no certificate memory.
//
// The result of [VerifyMdmSignature] depends only on its input, so a cached
// result equals the result of verifying again. Failures are never
// remembered, and the certificate still goes through [Verifier] afterwards.
// A nil *SignatureCache verifies every request. A SignatureCache is safe
// for concurrent use, and the certificates it returns are shared between
// callers, which must not modify them.
type SignatureCache struct {
	now   func() time.Time
	seen  *expiringCache[struct{}]
	cache *expiringCache[*x509.Certificate]
}

// NewSignatureCache returns a SignatureCache of at most size entries, or
// nil, which caches nothing, when size is not positive. The time comes
// from now, or time.Now when now is nil.
func NewSignatureCache(size int, now func() time.Time) *SignatureCache {
	if size <= 0 {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	return &SignatureCache{
		now:   now,
		seen:  newExpiringCache[struct{}](seenPerEntry * size),
		cache: newExpiringCache[*x509.Certificate](size),
	}
}

// Verify returns the signer certificate of the Mdm-Signature header over
// body, from the cache or from [VerifyMdmSignature], with the errors of
// the latter.
func (c *SignatureCache) Verify(header string, body []byte) (*x509.Certificate, error) {
	if c == nil {
		return VerifyMdmSignature(header, body)
	}
	key := signatureKey(header, body)
	now := c.now()
	if cert, ok := c.cache.get(key, now); ok {
		return cert, nil
	}

	cert, err := VerifyMdmSignature(header, body)
	if err != nil {
		return nil, err
	}
	valid := untilWindow(cert.NotAfter)
	if _, ok := c.seen.get(key, now); ok {
		c.cache.add(key, valid, cert)
	} else {
		c.seen.add(key, valid, struct{}{})
	}
	return cert, nil
}

// signatureKey hashes the header's length, the header and the body, so
// that no two (header, body) pairs share the hashed bytes.
func signatureKey(header string, body []byte) [32]byte {
	h := sha256.New()
	var size [8]byte
	binary.BigEndian.PutUint64(size[:], uint64(len(header)))
	h.Write(size[:])
	h.Write([]byte(header))
	h.Write(body)
	var key [32]byte
	h.Sum(key[:0])
	return key
}
