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
// takes roughly 16 to 24 MB.
const DefaultSignatureCacheSize = 1 << 13

// SignatureCache verifies Mdm-Signature headers as [VerifyMdmSignature]
// does and remembers every (header, body) pair that verified, keyed by a
// SHA-256 over both, until the NotAfter of its signer certificate. A pair
// seen again then skips CMS parsing and the public key operation. That
// pays off for devices and load tools that send an identical signed body
// again, such as an unchanged Idle report.
//
// The result of [VerifyMdmSignature] depends only on its input, so a
// cached answer is the answer verification would give: failures are never
// remembered, and the certificate still goes through [Verifier] afterwards.
// A nil *SignatureCache verifies every request. A SignatureCache is safe
// for concurrent use, and the certificates it returns are shared between
// callers, which must not modify them.
type SignatureCache struct {
	now   func() time.Time
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
	return &SignatureCache{now: now, cache: newExpiringCache[*x509.Certificate](size)}
}

// Verify returns the signer certificate of the Mdm-Signature header over
// body, from the cache or from [VerifyMdmSignature], with the errors of
// the latter.
func (c *SignatureCache) Verify(header string, body []byte) (*x509.Certificate, error) {
	if c == nil {
		return VerifyMdmSignature(header, body)
	}
	key := signatureKey(header, body)
	if cert, ok := c.cache.get(key, c.now()); ok {
		return cert, nil
	}

	cert, err := VerifyMdmSignature(header, body)
	if err != nil {
		return nil, err
	}
	c.cache.add(key, untilWindow(cert.NotAfter), cert)
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
