package file

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mdmforge/nanomdm/cryptoutil"
)

// pushCertPaths returns the certificate and key files of topic.
func (s *FileStorage) pushCertPaths(topic string) (certPath, keyPath string, err error) {
	if err := checkName("APNs topic", topic); err != nil {
		return "", "", err
	}
	base := filepath.Join(s.root, topic)
	return base + ".pem", base + ".key", nil
}

// staleToken returns the modification time of the certificate file as Go
// prints a time, which is the stale token NanoMDM's file backend uses.
func staleToken(certPath string) (string, error) {
	info, err := os.Stat(certPath)
	if err != nil {
		return "", err
	}
	return info.ModTime().String(), nil
}

// RetrievePushCert reads the push certificate and key of topic. The stale
// token is the certificate file's modification time. An unknown topic
// returns a file-not-found error.
func (s *FileStorage) RetrievePushCert(_ context.Context, topic string) (*tls.Certificate, string, error) {
	certPath, keyPath, err := s.pushCertPaths(topic)
	if err != nil {
		return nil, "", err
	}
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return nil, "", err
	}

	cert, err := cryptoutil.DecodePEMCertificate(certPEM)
	if err != nil {
		return nil, "", fmt.Errorf("decoding push certificate of %s: %w", topic, err)
	}
	certTopic, err := cryptoutil.TopicFromCert(cert)
	if err != nil {
		return nil, "", err
	}
	if certTopic != topic {
		return nil, "", fmt.Errorf("push certificate in %s has topic %q", certPath, certTopic)
	}

	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, "", err
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, "", fmt.Errorf("loading push certificate of %s: %w", topic, err)
	}
	token, err := staleToken(certPath)
	if err != nil {
		return nil, "", err
	}
	return &pair, token, nil
}

// IsPushCertStale reports whether the certificate of topic was stored
// again since token was handed out. An unknown topic returns true with
// the file-not-found error.
func (s *FileStorage) IsPushCertStale(_ context.Context, topic, token string) (bool, error) {
	certPath, _, err := s.pushCertPaths(topic)
	if err != nil {
		return true, err
	}
	current, err := staleToken(certPath)
	if err != nil {
		return true, err
	}
	return current != token, nil
}

// StorePushCert writes pemCert and pemKey under the topic of the
// certificate, the key readable by the owner only. Each call gives the
// certificate file a later modification time, so the stale token changes
// even when the clock has not ticked since the last store.
func (s *FileStorage) StorePushCert(_ context.Context, pemCert, pemKey []byte) error {
	cert, err := cryptoutil.DecodePEMCertificate(pemCert)
	if err != nil {
		return fmt.Errorf("decoding push certificate: %w", err)
	}
	topic, err := cryptoutil.TopicFromCert(cert)
	if err != nil {
		return err
	}
	certPath, keyPath, err := s.pushCertPaths(topic)
	if err != nil {
		return err
	}

	stamp := s.stamps.next(time.Now())
	info, err := os.Stat(certPath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("storing push certificate of %s: %w", topic, err)
	}
	if err == nil && !stamp.After(info.ModTime()) {
		stamp = info.ModTime().Add(time.Nanosecond)
	}
	if err := writeFile(keyPath, pemKey, 0o600, time.Time{}); err != nil {
		return fmt.Errorf("storing push key of %s: %w", topic, err)
	}
	if err := writeFile(certPath, pemCert, 0o644, stamp); err != nil {
		return fmt.Errorf("storing push certificate of %s: %w", topic, err)
	}
	return nil
}
