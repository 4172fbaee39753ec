package devicesim

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// identityValidity is how long a default identity certificate is valid.
const identityValidity = 365 * 24 * time.Hour

// Identity is a device identity: the client certificate a device presents
// and its private key.
type Identity struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// CertPEM returns the identity certificate as a PEM CERTIFICATE block.
func (id *Identity) CertPEM() []byte {
	return certPEM(id.Cert)
}

// KeyPEM returns the private key as a PKCS #8 PEM block.
func (id *Identity) KeyPEM() ([]byte, error) {
	return keyPEM(id.Key)
}

// identityConfig collects what the IdentityOptions set.
type identityConfig struct {
	tmpl *x509.Certificate
	key  crypto.Signer
}

// IdentityOption changes a generated identity.
type IdentityOption func(*identityConfig)

// WithValidity sets the certificate's NotBefore and NotAfter. The default
// is from an hour ago for a year.
func WithValidity(notBefore, notAfter time.Time) IdentityOption {
	return func(c *identityConfig) {
		c.tmpl.NotBefore = notBefore
		c.tmpl.NotAfter = notAfter
	}
}

// Expired makes a certificate that expired a day ago.
func Expired() IdentityOption {
	now := time.Now()
	return WithValidity(now.Add(-48*time.Hour), now.Add(-24*time.Hour))
}

// NotYetValid makes a certificate that becomes valid in a day.
func NotYetValid() IdentityOption {
	now := time.Now()
	return WithValidity(now.Add(24*time.Hour), now.Add(48*time.Hour))
}

// WithExtKeyUsage replaces the default clientAuth extended key usage.
// With no usages the certificate has no EKU extension at all.
func WithExtKeyUsage(usages ...x509.ExtKeyUsage) IdentityOption {
	return func(c *identityConfig) {
		c.tmpl.ExtKeyUsage = usages
	}
}

// WithCommonName sets the subject common name; the default is
// "Device Simulator Identity".
func WithCommonName(commonName string) IdentityOption {
	return func(c *identityConfig) {
		c.tmpl.Subject.CommonName = commonName
	}
}

// WithKey uses key instead of generating one, which saves the cost of RSA
// key generation when many identities are needed. The key type argument
// is then ignored.
func WithKey(key crypto.Signer) IdentityOption {
	return func(c *identityConfig) {
		c.key = key
	}
}

// NewIdentity issues a device identity with a new key of type kt. By
// default the certificate is valid from an hour ago for a year and has
// the clientAuth extended key usage, as the server requires.
func (ca *CA) NewIdentity(kt KeyType, opts ...IdentityOption) (*Identity, error) {
	return newIdentity(ca, kt, opts)
}

// NewSelfSignedIdentity returns a self-signed identity that no CA issued,
// such as a spoofed device would present.
func NewSelfSignedIdentity(kt KeyType, opts ...IdentityOption) (*Identity, error) {
	return newIdentity(nil, kt, opts)
}

func newIdentity(ca *CA, kt KeyType, opts []IdentityOption) (*Identity, error) {
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	cfg := &identityConfig{tmpl: &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "Device Simulator Identity"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(identityValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}}
	for _, opt := range opts {
		opt(cfg)
	}
	if cfg.key == nil {
		if cfg.key, err = NewKey(kt); err != nil {
			return nil, err
		}
	}

	parent, signer := cfg.tmpl, cfg.key
	if ca != nil {
		parent, signer = ca.Cert, ca.Key
	}
	cert, err := createCert(cfg.tmpl, parent, cfg.key.Public(), signer)
	if err != nil {
		return nil, err
	}
	return &Identity{Cert: cert, Key: cfg.key}, nil
}

// oidUID is the userID attribute (RFC 4519) that carries an APNs topic in
// a push certificate's subject.
var oidUID = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}

// NewPushCert returns a self-signed stand-in for an APNs MDM push
// certificate whose subject UID is topic, and its PKCS #1 RSA key, both
// PEM-encoded. Apple would never accept it, but the server's upload and
// push code read it like a real one.
func NewPushCert(topic string) (certPEMBytes, keyPEMBytes []byte, err error) {
	key, err := NewKey(RSA2048)
	if err != nil {
		return nil, nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName: "APSP:" + topic,
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidUID, Value: topic}},
		},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.Add(identityValidity),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	cert, err := createCert(tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, err
	}
	rsaDER := x509.MarshalPKCS1PrivateKey(key.(*rsa.PrivateKey))
	keyBlock := &pem.Block{Type: "RSA PRIVATE KEY", Bytes: rsaDER}
	return certPEM(cert), pem.EncodeToMemory(keyBlock), nil
}

// WriteFiles writes ca.pem (the certificate, for the server's -ca flag)
// and ca.key into dir. The key file is readable by its owner only.
func (ca *CA) WriteFiles(dir string) error {
	key, err := ca.KeyPEM()
	if err != nil {
		return err
	}
	return writePEMPair(dir, "ca", ca.PEM(), key)
}

// WriteFiles writes NAME.pem (the certificate) and NAME.key into dir. The
// key file is readable by its owner only.
func (id *Identity) WriteFiles(dir, name string) error {
	key, err := id.KeyPEM()
	if err != nil {
		return err
	}
	return writePEMPair(dir, name, id.CertPEM(), key)
}

// WritePushCert writes a fake push certificate for topic (see
// [NewPushCert]) into dir as push.pem and push.key.
func WritePushCert(dir, topic string) error {
	cert, key, err := NewPushCert(topic)
	if err != nil {
		return err
	}
	return writePEMPair(dir, "push", cert, key)
}

func writePEMPair(dir, name string, cert, key []byte) error {
	certPath := filepath.Join(dir, name+".pem")
	if err := os.WriteFile(certPath, cert, 0o644); err != nil {
		return fmt.Errorf("writing certificate %s: %w", certPath, err)
	}
	keyPath := filepath.Join(dir, name+".key")
	if err := os.WriteFile(keyPath, key, 0o600); err != nil {
		return fmt.Errorf("writing private key %s: %w", keyPath, err)
	}
	return nil
}
