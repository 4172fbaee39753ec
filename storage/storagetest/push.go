package storagetest

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
)

func testPushInfo(t *testing.T, e *env) {
	dev := e.enroll()
	disabled := e.enroll()
	if err := e.s.Disable(e.request(disabled, nil)); err != nil {
		t.Fatalf("Disable: %v", err)
	}
	unknown := newUDID()

	got, err := e.s.RetrievePushInfo(t.Context(), []string{dev.udid, unknown, disabled.udid})
	if err != nil {
		t.Fatalf("RetrievePushInfo: %v", err)
	}
	token, _ := base64.StdEncoding.DecodeString(fixtureToken)
	want := mdm.Push{PushMagic: fixturePushMagic, Token: token, Topic: fixtureTopic}
	for _, id := range []string{dev.udid, disabled.udid} {
		wantPush(t, id, got[id], want)
	}
	if p, ok := got[unknown]; ok {
		t.Errorf("push info for unknown ID: got %+v, want none", p)
	}
	if len(got) != 2 {
		t.Errorf("push info entries: got %d, want 2", len(got))
	}

	got, err = e.s.RetrievePushInfo(t.Context(), []string{unknown})
	if err != nil {
		t.Errorf("RetrievePushInfo(unknown ID): got error %v, want none", err)
	}
	if len(got) != 0 {
		t.Errorf("RetrievePushInfo(unknown ID): got %d entries, want 0", len(got))
	}
}

func testPushInfoUserChannel(t *testing.T, e *env) {
	dev := e.enroll()
	u := dev.user()
	msg := e.tokenUpdate(u)

	got, err := e.s.RetrievePushInfo(t.Context(), []string{u.id().ID})
	if err != nil {
		t.Fatalf("RetrievePushInfo: %v", err)
	}
	wantPush(t, u.id().ID, got[u.id().ID], msg.Push)

	// A later TokenUpdate replaces the push details.
	msg = e.tokenUpdate(u)
	got, err = e.s.RetrievePushInfo(t.Context(), []string{u.id().ID})
	if err != nil {
		t.Fatalf("RetrievePushInfo: %v", err)
	}
	wantPush(t, u.id().ID, got[u.id().ID], msg.Push)
}

// wantPush fails the case unless got matches want.
func wantPush(t *testing.T, id string, got *mdm.Push, want mdm.Push) {
	t.Helper()
	if got == nil {
		t.Errorf("push info for %s: got none, want %+v", id, want)
		return
	}
	if got.PushMagic != want.PushMagic || got.Topic != want.Topic || !bytes.Equal(got.Token, want.Token) {
		t.Errorf("push info for %s: got %+v, want %+v", id, *got, want)
	}
}

func testPushCert(t *testing.T, e *env) {
	topic := "com.apple.mgmt.External." + newCommandUUID()
	certPEM, keyPEM := NewPushCert(t, topic)
	if err := e.s.StorePushCert(t.Context(), certPEM, keyPEM); err != nil {
		t.Fatalf("StorePushCert: %v", err)
	}
	e.wantPushCert(topic, certPEM, "0")
	e.wantStale(topic, "0", false)

	// Storing again, even the same certificate, makes older tokens stale.
	if err := e.s.StorePushCert(t.Context(), certPEM, keyPEM); err != nil {
		t.Fatalf("StorePushCert again: %v", err)
	}
	e.wantStale(topic, "0", true)
	e.wantPushCert(topic, certPEM, "1")
	e.wantStale(topic, "1", false)

	newCert, newKey := NewPushCert(t, topic)
	if err := e.s.StorePushCert(t.Context(), newCert, newKey); err != nil {
		t.Fatalf("StorePushCert new certificate: %v", err)
	}
	e.wantPushCert(topic, newCert, "2")
	e.wantStale(topic, "1", true)
}

// wantPushCert fails the case unless topic's certificate is certPEM with
// staleToken.
func (e *env) wantPushCert(topic string, certPEM []byte, staleToken string) {
	e.t.Helper()
	cert, token, err := e.s.RetrievePushCert(e.t.Context(), topic)
	if err != nil {
		e.t.Fatalf("RetrievePushCert(%s): %v", topic, err)
	}
	if token != staleToken {
		e.t.Errorf("stale token of %s: got %q, want %q", topic, token, staleToken)
	}
	block, _ := pem.Decode(certPEM)
	if cert == nil || len(cert.Certificate) == 0 || !bytes.Equal(cert.Certificate[0], block.Bytes) {
		e.t.Errorf("RetrievePushCert(%s): got a different certificate", topic)
	}
	if cert != nil && cert.PrivateKey == nil {
		e.t.Errorf("RetrievePushCert(%s): got no private key", topic)
	}
}

// wantStale fails the case unless IsPushCertStale(topic, token) is want.
func (e *env) wantStale(topic, token string, want bool) {
	e.t.Helper()
	got, err := e.s.IsPushCertStale(e.t.Context(), topic, token)
	if err != nil {
		e.t.Fatalf("IsPushCertStale(%s, %s): %v", topic, token, err)
	}
	if got != want {
		e.t.Errorf("IsPushCertStale(%s, %s): got %v, want %v", topic, token, got, want)
	}
}

func testPushCertInvalidTopic(t *testing.T, e *env) {
	tests := []struct {
		name    string
		uid     string
		wantErr string
	}{
		{name: "no UID", uid: "", wantErr: "no APNs Topic found"},
		{name: "wrong prefix", uid: "com.example.topic", wantErr: `invalid APNs Topic: "com.example.topic"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			certPEM, keyPEM := NewPushCert(t, tc.uid)
			err := e.s.StorePushCert(t.Context(), certPEM, keyPEM)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("StorePushCert: got error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
	_, keyPEM := NewPushCert(t, "com.apple.mgmt.External."+newCommandUUID())
	if err := e.s.StorePushCert(t.Context(), []byte("not PEM"), keyPEM); err == nil {
		t.Errorf("StorePushCert(not PEM): got no error, want one")
	}
}

func testPushCertUnknown(t *testing.T, e *env) {
	topic := "com.apple.mgmt.External." + newCommandUUID()
	if _, _, err := e.s.RetrievePushCert(t.Context(), topic); err == nil {
		t.Errorf("RetrievePushCert(unknown topic): got no error, want one")
	}
	if _, err := e.s.IsPushCertStale(t.Context(), topic, "0"); err == nil {
		t.Errorf("IsPushCertStale(unknown topic): got no error, want one")
	}
}
