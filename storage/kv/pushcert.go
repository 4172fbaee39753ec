package kv

import (
	"context"
	"crypto/tls"
	"fmt"
	"strconv"

	"github.com/mdmforge/nanomdm/cryptoutil"
)

// Key names after "<topic>." in the push_cert bucket.
const (
	keyPushCertPEM   = "pem"         // certificate PEM
	keyPushKeyPEM    = "key"         // private key PEM
	keyPushCertStale = "stale_token" // decimal version, 0 on first store
)

// IsPushCertStale reports whether the stored version of topic's
// certificate differs from staleToken. For an unknown topic it returns
// true with an error.
func (s *KV) IsPushCertStale(ctx context.Context, topic, staleToken string) (bool, error) {
	token, err := s.pushCert.Get(ctx, join(topic, keyPushCertStale))
	if err != nil {
		return true, fmt.Errorf("getting %s: %w", join(topic, keyPushCertStale), err)
	}
	return string(token) != staleToken, nil
}

// RetrievePushCert returns topic's certificate and key with the version
// to pass to IsPushCertStale.
func (s *KV) RetrievePushCert(ctx context.Context, topic string) (*tls.Certificate, string, error) {
	var values [3][]byte
	for i, name := range []string{keyPushCertPEM, keyPushKeyPEM, keyPushCertStale} {
		key := join(topic, name)
		v, err := s.pushCert.Get(ctx, key)
		if err != nil {
			return nil, "", fmt.Errorf("getting %s: %w", key, err)
		}
		values[i] = v
	}
	cert, err := tls.X509KeyPair(values[0], values[1])
	if err != nil {
		return nil, "", fmt.Errorf("parsing push certificate of %s: %w", topic, err)
	}
	return &cert, string(values[2]), nil
}

// StorePushCert stores a certificate and key under the topic read from
// the certificate and moves its version on by one. The topic must start
// with "com.apple.mgmt" and the key must match the certificate.
func (s *KV) StorePushCert(ctx context.Context, pemCert, pemKey []byte) error {
	cert, err := cryptoutil.DecodePEMCertificate(pemCert)
	if err != nil {
		return fmt.Errorf("storing push certificate: %w", err)
	}
	topic, err := cryptoutil.TopicFromCert(cert)
	if err != nil {
		return err
	}
	if _, err := tls.X509KeyPair(pemCert, pemKey); err != nil {
		return fmt.Errorf("storing push certificate for %s: %w", topic, err)
	}

	staleKey := join(topic, keyPushCertStale)
	unlock := s.keyLocks.lock(staleKey)
	defer unlock()
	// An earlier version that is missing or not a number starts over at
	// 0, as in NanoMDM.
	version := 0
	if prev, err := getOptional(ctx, s.pushCert, staleKey); err != nil {
		return fmt.Errorf("getting %s: %w", staleKey, err)
	} else if prev != nil {
		if n, err := strconv.Atoi(string(prev)); err == nil {
			version = n + 1
		}
	}
	return setKeys(ctx, s.pushCert,
		kvPair{join(topic, keyPushCertPEM), pemCert},
		kvPair{join(topic, keyPushKeyPEM), pemKey},
		kvPair{staleKey, strconv.AppendInt(nil, int64(version), 10)})
}
