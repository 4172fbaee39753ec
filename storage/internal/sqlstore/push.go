package sqlstore

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"

	"github.com/mdmforge/nanomdm/cryptoutil"
	"github.com/mdmforge/nanomdm/mdm"
)

// RetrievePushInfo returns the push details of each ID that has an
// enrollment, disabled ones included. Unknown IDs are left out; IDs match
// exactly.
func (s *Store) RetrievePushInfo(ctx context.Context, ids []string) (map[string]*mdm.Push, error) {
	if len(ids) == 0 {
		return nil, errors.New("no ids provided")
	}
	ids = uniqueIDs(ids)
	want := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		want[id] = struct{}{}
	}

	pushes := make(map[string]*mdm.Push, len(ids))
	err := s.queryBatches(ctx, ids, s.st.pushInfoOne, s.text.pushInfo, qPushInfo, func(rows *sql.Rows) error {
		var id, tokenHex string
		push := &mdm.Push{}
		if err := rows.Scan(&id, &push.Topic, &push.PushMagic, &tokenHex); err != nil {
			return err
		}
		if _, ok := want[id]; !ok {
			return nil
		}
		token, err := hex.DecodeString(tokenHex)
		if err != nil {
			return fmt.Errorf("decoding push token of %s: %w", id, err)
		}
		push.Token = token
		pushes[id] = push
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("retrieving push info: %w", err)
	}
	return pushes, nil
}

// StorePushCert stores a PEM certificate and key under the topic of the
// certificate. The stale token starts at 0 and grows by one on every
// store, even of the same certificate.
func (s *Store) StorePushCert(ctx context.Context, pemCert, pemKey []byte) error {
	block, _ := pem.Decode(pemCert)
	if block == nil || block.Type != "CERTIFICATE" {
		return errors.New("storing push certificate: no PEM CERTIFICATE block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return fmt.Errorf("storing push certificate: %w", err)
	}
	topic, err := cryptoutil.TopicFromCert(cert)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, s.text.storePushCert, topic, string(pemCert), string(pemKey))
	if err != nil {
		return fmt.Errorf("storing push certificate for %s: %w", topic, err)
	}
	return nil
}

// RetrievePushCert returns the certificate and key stored for topic and
// their stale token. An unknown topic returns [sql.ErrNoRows] itself,
// because the API and the push service already name the topic and
// NanoMDM's API shows exactly that text.
func (s *Store) RetrievePushCert(ctx context.Context, topic string) (*tls.Certificate, string, error) {
	var certPEM, keyPEM []byte
	var token int64
	err := s.db.QueryRowContext(ctx, s.text.pushCert, topic).Scan(&certPEM, &keyPEM, &token)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", err
	} else if err != nil {
		return nil, "", fmt.Errorf("retrieving push certificate for %s: %w", topic, err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, "", fmt.Errorf("parsing push certificate for %s: %w", topic, err)
	}
	return &cert, strconv.FormatInt(token, 10), nil
}

// IsPushCertStale reports whether the stale token stored for topic differs
// from staleToken, which must be a decimal integer. An unknown topic
// returns an error wrapping [sql.ErrNoRows].
func (s *Store) IsPushCertStale(ctx context.Context, topic, staleToken string) (bool, error) {
	given, err := strconv.ParseInt(staleToken, 10, 64)
	if err != nil {
		return true, fmt.Errorf("parsing stale token %q: %w", staleToken, err)
	}
	var stored int64
	if err := s.st.staleToken.QueryRowContext(ctx, topic).Scan(&stored); err != nil {
		return true, fmt.Errorf("retrieving stale token for %s: %w", topic, err)
	}
	return stored != given, nil
}
