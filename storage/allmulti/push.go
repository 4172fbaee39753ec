package allmulti

import (
	"context"
	"crypto/tls"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// RetrievePushInfo implements [storage.PushStore].
func (m *Multi) RetrievePushInfo(ctx context.Context, ids []string) (map[string]*mdm.Push, error) {
	return run(m, ctx, "RetrievePushInfo", func(s storage.AllStorage) (map[string]*mdm.Push, error) {
		return s.RetrievePushInfo(ctx, ids)
	})
}

// IsPushCertStale implements [storage.PushCertStore].
func (m *Multi) IsPushCertStale(ctx context.Context, topic, staleToken string) (bool, error) {
	return run(m, ctx, "IsPushCertStale", func(s storage.AllStorage) (bool, error) {
		return s.IsPushCertStale(ctx, topic, staleToken)
	})
}

// pushCert is the result of RetrievePushCert.
type pushCert struct {
	cert       *tls.Certificate
	staleToken string
}

// RetrievePushCert implements [storage.PushCertStore].
func (m *Multi) RetrievePushCert(ctx context.Context, topic string) (*tls.Certificate, string, error) {
	got, err := run(m, ctx, "RetrievePushCert", func(s storage.AllStorage) (pushCert, error) {
		cert, token, err := s.RetrievePushCert(ctx, topic)
		return pushCert{cert, token}, err
	})
	return got.cert, got.staleToken, err
}

// StorePushCert implements [storage.PushCertStore].
func (m *Multi) StorePushCert(ctx context.Context, pemCert, pemKey []byte) error {
	return runErr(m, ctx, "StorePushCert", func(s storage.AllStorage) error {
		return s.StorePushCert(ctx, pemCert, pemKey)
	})
}
