package allmulti

import (
	"context"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// HasCertHash implements [storage.CertAuthStore].
func (m *Multi) HasCertHash(r *mdm.Request, hash string) (bool, error) {
	return run(m, r.Context, "HasCertHash", func(s storage.AllStorage) (bool, error) {
		return s.HasCertHash(r, hash)
	})
}

// EnrollmentHasCertHash implements [storage.CertAuthStore].
func (m *Multi) EnrollmentHasCertHash(r *mdm.Request, hash string) (bool, error) {
	return run(m, r.Context, "EnrollmentHasCertHash", func(s storage.AllStorage) (bool, error) {
		return s.EnrollmentHasCertHash(r, hash)
	})
}

// IsCertHashAssociated implements [storage.CertAuthStore].
func (m *Multi) IsCertHashAssociated(r *mdm.Request, hash string) (bool, error) {
	return run(m, r.Context, "IsCertHashAssociated", func(s storage.AllStorage) (bool, error) {
		return s.IsCertHashAssociated(r, hash)
	})
}

// AssociateCertHash implements [storage.CertAuthStore].
func (m *Multi) AssociateCertHash(r *mdm.Request, hash string) error {
	return runErr(m, r.Context, "AssociateCertHash", func(s storage.AllStorage) error {
		return s.AssociateCertHash(r, hash)
	})
}

// EnrollmentFromHash implements [storage.CertAuthStore].
func (m *Multi) EnrollmentFromHash(ctx context.Context, hash string) (string, error) {
	return run(m, ctx, "EnrollmentFromHash", func(s storage.AllStorage) (string, error) {
		return s.EnrollmentFromHash(ctx, hash)
	})
}
