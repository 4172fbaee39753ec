package kv

import (
	"context"
	"fmt"

	"github.com/mdmforge/nanomdm/mdm"
)

// Key names in the cert_auth bucket: "<id>.cert_hash" is the current hash
// of a device channel, "<hash>.hash_cert" the device channel a hash was
// last bound to.
const (
	keyCertHash = "cert_hash"
	keyHashCert = "hash_cert"
)

// HasCertHash reports whether hash was ever bound to an enrollment.
func (s *KV) HasCertHash(r *mdm.Request, hash string) (bool, error) {
	ok, err := s.certAuth.Has(r.Context, join(hash, keyHashCert))
	if err != nil {
		return false, fmt.Errorf("looking up hash %s: %w", hash, err)
	}
	return ok, nil
}

// EnrollmentHasCertHash reports whether r.ID has a bound hash.
func (s *KV) EnrollmentHasCertHash(r *mdm.Request, _ string) (bool, error) {
	ok, err := s.certAuth.Has(r.Context, join(r.ID, keyCertHash))
	if err != nil {
		return false, fmt.Errorf("looking up hash of %s: %w", r.ID, err)
	}
	return ok, nil
}

// IsCertHashAssociated reports whether hash is the current hash of r.ID.
// Hashes compare exactly, as NanoMDM's KV backend compares them.
func (s *KV) IsCertHashAssociated(r *mdm.Request, hash string) (bool, error) {
	current, err := getString(r.Context, s.certAuth, join(r.ID, keyCertHash))
	if err != nil {
		return false, fmt.Errorf("reading hash of %s: %w", r.ID, err)
	}
	return current != "" && current == hash, nil
}

// AssociateCertHash makes hash the current hash of r.ID. Earlier hashes
// stay known to HasCertHash and EnrollmentFromHash.
func (s *KV) AssociateCertHash(r *mdm.Request, hash string) error {
	return setKeys(r.Context, s.certAuth,
		kvPair{join(hash, keyHashCert), []byte(r.ID)},
		kvPair{join(r.ID, keyCertHash), []byte(hash)})
}

// EnrollmentFromHash returns the device channel hash was last bound to,
// or "" when it was never bound.
func (s *KV) EnrollmentFromHash(ctx context.Context, hash string) (string, error) {
	id, err := getString(ctx, s.certAuth, join(hash, keyHashCert))
	if err != nil {
		return "", fmt.Errorf("reading enrollment of hash %s: %w", hash, err)
	}
	return id, nil
}
