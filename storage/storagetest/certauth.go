package storagetest

import (
	"testing"
)

// certAuthState is what the cert-auth methods return for one ID and hash.
type certAuthState struct {
	hasHash       bool   // HasCertHash(hash)
	enrollHasHash bool   // EnrollmentHasCertHash(id)
	associated    bool   // IsCertHashAssociated(id, hash)
	owner         string // EnrollmentFromHash(hash)
}

// certAuth reads every cert-auth method for c and hash.
func (e *env) certAuth(c channel, hash string) certAuthState {
	e.t.Helper()
	r := e.request(c, nil)
	var s certAuthState
	var err error
	if s.hasHash, err = e.s.HasCertHash(r, hash); err != nil {
		e.t.Fatalf("HasCertHash(%s): %v", hash, err)
	}
	if s.enrollHasHash, err = e.s.EnrollmentHasCertHash(r, hash); err != nil {
		e.t.Fatalf("EnrollmentHasCertHash(%s): %v", c.udid, err)
	}
	if s.associated, err = e.s.IsCertHashAssociated(r, hash); err != nil {
		e.t.Fatalf("IsCertHashAssociated(%s, %s): %v", c.udid, hash, err)
	}
	if s.owner, err = e.s.EnrollmentFromHash(e.t.Context(), hash); err != nil {
		e.t.Fatalf("EnrollmentFromHash(%s): %v", hash, err)
	}
	return s
}

// wantCertAuth fails the case unless the cert-auth state of c and hash is
// want.
func (e *env) wantCertAuth(c channel, hash string, want certAuthState) {
	e.t.Helper()
	if got := e.certAuth(c, hash); got != want {
		e.t.Errorf("cert auth of %s with %.8s…: got %+v, want %+v", c.udid, hash, got, want)
	}
}

// associate binds hash to c.
func (e *env) associate(c channel, hash string) {
	e.t.Helper()
	if err := e.s.AssociateCertHash(e.request(c, nil), hash); err != nil {
		e.t.Fatalf("AssociateCertHash(%s, %s): %v", c.udid, hash, err)
	}
}

func testCertAuth(t *testing.T, e *env) {
	dev := device()
	cert1, cert2 := identityCert(t), identityCert(t)
	h1, h2 := certHash(cert1), certHash(cert2)
	e.wantCertAuth(dev, h1, certAuthState{})

	e.authenticate(dev, cert1)
	e.associate(dev, h1)
	e.wantCertAuth(dev, h1, certAuthState{true, true, true, dev.udid})
	// Associating the same pair again changes nothing.
	e.associate(dev, h1)
	e.wantCertAuth(dev, h1, certAuthState{true, true, true, dev.udid})

	// Only the latest binding is current; the old hash is still known.
	e.authenticate(dev, cert2)
	e.associate(dev, h2)
	e.wantCertAuth(dev, h2, certAuthState{true, true, true, dev.udid})
	e.wantCertAuth(dev, h1, certAuthState{true, true, false, dev.udid})

	// Another enrollment sees the hash as known but not its own.
	other := device()
	e.wantCertAuth(other, h2, certAuthState{true, false, false, dev.udid})
}

// testCertAuthReassociate binds an earlier certificate of the same
// enrollment again, which makes it current once more.
func testCertAuthReassociate(t *testing.T, e *env) {
	dev := device()
	h1, h2 := certHash(identityCert(t)), certHash(identityCert(t))
	e.associate(dev, h1)
	e.associate(dev, h2)
	e.associate(dev, h1)
	e.wantCertAuth(dev, h1, certAuthState{true, true, true, dev.udid})
	e.wantCertAuth(dev, h2, certAuthState{true, true, false, dev.udid})
}

func testCertAuthUnknown(t *testing.T, e *env) {
	dev := e.enroll()
	hash := certHash(identityCert(t))
	e.wantCertAuth(dev, hash, certAuthState{})

	// A hash bound elsewhere is not current for this device.
	other := device()
	e.associate(other, hash)
	e.wantCertAuth(dev, hash, certAuthState{true, false, false, other.udid})
}
