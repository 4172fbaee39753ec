package certauth_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service/certauth"
	"github.com/mdmforge/nanomdm/service/internal/servicetest"
)

var (
	certA = &x509.Certificate{Raw: []byte("certificate A")}
	certB = &x509.Certificate{Raw: []byte("certificate B")}
)

// hashA is the output of `printf "certificate A" | sha256sum`.
const hashA = "ce5cab5a5cd3591001b5f484cb5531d81445565ca3ed21ca16010a76fa8cc5c2"

func request(cert *x509.Certificate) *mdm.Request {
	return mdm.NewRequest(context.Background(), cert)
}

func authenticate(c *certauth.CertAuth, udid string, cert *x509.Certificate) error {
	msg := &mdm.Authenticate{Enrollment: mdm.Enrollment{UDID: udid}}
	return c.Authenticate(request(cert), msg)
}

func tokenUpdate(c *certauth.CertAuth, e mdm.Enrollment, cert *x509.Certificate) error {
	return c.TokenUpdate(request(cert), &mdm.TokenUpdate{Enrollment: e})
}

func newCertAuth(store *fakeStore, opts ...certauth.Option) (*certauth.CertAuth, *servicetest.Recorder, *bytes.Buffer) {
	var buf bytes.Buffer
	next := &servicetest.Recorder{}
	opts = append([]certauth.Option{certauth.WithLogger(log.New(&buf, true))}, opts...)
	return certauth.New(next, store, opts...), next, &buf
}

func TestAuthenticateBindsNewCert(t *testing.T) {
	store := newFakeStore()
	c, next, buf := newCertAuth(store)
	if err := authenticate(c, "DEV-1", certA); err != nil {
		t.Fatalf("got error %v, want nil", err)
	}
	if got := store.current["DEV-1"]; got == "" {
		t.Error("got no binding for DEV-1, want one")
	}
	if got := next.Methods(); len(got) != 1 {
		t.Errorf("got next calls %v, want one Authenticate", got)
	}
	for _, want := range []string{"msg=\"cert associated\"", "enrollment=new", "id=DEV-1", "service=certauth"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("got log %q, want it to contain %q", buf.String(), want)
		}
	}
}

func TestCertHashIsSHA256OfDER(t *testing.T) {
	store := newFakeStore()
	c, _, _ := newCertAuth(store)
	if err := authenticate(c, "DEV-1", certA); err != nil {
		t.Fatalf("got error %v, want nil", err)
	}
	if got := store.current["DEV-1"]; got != hashA {
		t.Errorf("got hash %s, want %s", got, hashA)
	}
}

func TestAuthenticateSameCertAgain(t *testing.T) {
	c, next, buf := newCertAuth(newFakeStore())
	for i := range 2 {
		if err := authenticate(c, "DEV-1", certA); err != nil {
			t.Fatalf("Authenticate %d: got error %v, want nil", i+1, err)
		}
	}
	if got := strings.Count(buf.String(), "cert associated"); got != 1 {
		t.Errorf("got %d association lines, want 1", got)
	}
	if got := len(next.Methods()); got != 2 {
		t.Errorf("got %d next calls, want 2", got)
	}
}

func TestAuthenticateCertOfOtherDevice(t *testing.T) {
	c, next, buf := newCertAuth(newFakeStore())
	if err := authenticate(c, "DEV-1", certA); err != nil {
		t.Fatalf("got error %v, want nil", err)
	}
	err := authenticate(c, "DEV-2", certA)
	if !errors.Is(err, certauth.ErrCertReuse) {
		t.Fatalf("got error %v, want %v", err, certauth.ErrCertReuse)
	}
	if want := "cert auth: new enrollment: cert re-use not permitted"; err.Error() != want {
		t.Errorf("got error %q, want %q", err, want)
	}
	if got := len(next.Methods()); got != 1 {
		t.Errorf("got %d next calls, want 1", got)
	}
	if !strings.Contains(buf.String(), "cert hash exists") {
		t.Errorf("got log %q, want a cert hash exists line", buf.String())
	}
}

func TestReenrollmentKeepsOnlyLatestCert(t *testing.T) {
	c, _, _ := newCertAuth(newFakeStore())
	dev := mdm.Enrollment{UDID: "DEV-1"}
	steps := []struct {
		name    string
		run     func() error
		wantErr error
	}{
		{"enroll with A", func() error { return authenticate(c, "DEV-1", certA) }, nil},
		{"A accepted", func() error { return tokenUpdate(c, dev, certA) }, nil},
		{"enroll with B", func() error { return authenticate(c, "DEV-1", certB) }, nil},
		{"B accepted", func() error { return tokenUpdate(c, dev, certB) }, nil},
		{"A rejected", func() error { return tokenUpdate(c, dev, certA) }, certauth.ErrNotAssociated},
		{"enroll with A again", func() error { return authenticate(c, "DEV-1", certA) }, nil},
		{"A accepted again", func() error { return tokenUpdate(c, dev, certA) }, nil},
		{"B rejected", func() error { return tokenUpdate(c, dev, certB) }, certauth.ErrNotAssociated},
		{"B not for other device", func() error { return authenticate(c, "DEV-2", certB) }, certauth.ErrCertReuse},
	}
	for _, step := range steps {
		if err := step.run(); !errors.Is(err, step.wantErr) {
			t.Fatalf("%s: got error %v, want %v", step.name, err, step.wantErr)
		}
	}
}

func TestExistingWithoutBinding(t *testing.T) {
	c, next, buf := newCertAuth(newFakeStore())
	err := tokenUpdate(c, mdm.Enrollment{UDID: "DEV-1"}, certA)
	if want := "cert auth: existing enrollment: enrollment not associated with cert"; err == nil || err.Error() != want {
		t.Fatalf("got error %v, want %q", err, want)
	}
	if got := next.Methods(); len(got) != 0 {
		t.Errorf("got next calls %v, want none", got)
	}
	if !strings.Contains(buf.String(), "no cert association") {
		t.Errorf("got log %q, want a no cert association line", buf.String())
	}
}

func TestUserChannelUsesDeviceBinding(t *testing.T) {
	store := newFakeStore()
	c, next, _ := newCertAuth(store)
	if err := authenticate(c, "DEV-1", certA); err != nil {
		t.Fatalf("got error %v, want nil", err)
	}
	r := request(certA)
	msg := &mdm.TokenUpdate{Enrollment: mdm.Enrollment{UDID: "DEV-1", UserID: "USER-1"}}
	if err := c.TokenUpdate(r, msg); err != nil {
		t.Fatalf("got error %v, want nil", err)
	}
	for _, id := range store.ids {
		if id != "DEV-1" {
			t.Errorf("got store call for %q, want only DEV-1", id)
		}
	}
	if r.EnrollID != nil {
		t.Errorf("got request ID %+v, want the request left unresolved", r.EnrollID)
	}
	if calls := next.Calls(); len(calls) != 2 || calls[1].Request != r {
		t.Errorf("got next calls %v, want the original request passed on", calls)
	}
}

func TestMissingCertAndID(t *testing.T) {
	c, next, _ := newCertAuth(newFakeStore())
	tests := []struct {
		name    string
		run     func() error
		wantErr error
	}{
		{"authenticate without cert", func() error { return authenticate(c, "DEV-1", nil) }, certauth.ErrMissingCert},
		{"report without cert", func() error { return tokenUpdate(c, mdm.Enrollment{UDID: "D"}, nil) }, certauth.ErrMissingCert},
		{"authenticate without ID", func() error { return authenticate(c, "", certA) }, mdm.ErrNoEnrollmentID},
		{"report without ID", func() error { return tokenUpdate(c, mdm.Enrollment{}, certA) }, mdm.ErrNoEnrollmentID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(); !errors.Is(err, tc.wantErr) {
				t.Errorf("got error %v, want %v", err, tc.wantErr)
			}
		})
	}
	if got := next.Methods(); len(got) != 0 {
		t.Errorf("got next calls %v, want none", got)
	}
}

func TestRetroactive(t *testing.T) {
	store := newFakeStore()
	c, _, buf := newCertAuth(store, certauth.WithRetroactive())
	if !strings.Contains(buf.String(), "allowing retroactive associations") {
		t.Errorf("got log %q, want the retroactive startup line", buf.String())
	}
	migrated := mdm.Enrollment{UDID: "MIGRATED-1"}
	steps := []struct {
		name    string
		run     func() error
		wantErr error
	}{
		{"first contact binds", func() error { return tokenUpdate(c, migrated, certA) }, nil},
		{"same cert accepted", func() error { return tokenUpdate(c, migrated, certA) }, nil},
		{"second cert rejected", func() error { return tokenUpdate(c, migrated, certB) }, certauth.ErrCertReuse},
		{"used cert for other ID", func() error { return tokenUpdate(c, mdm.Enrollment{UDID: "M-2"}, certA) }, certauth.ErrCertReuse},
	}
	for _, step := range steps {
		if err := step.run(); !errors.Is(err, step.wantErr) {
			t.Fatalf("%s: got error %v, want %v", step.name, err, step.wantErr)
		}
	}
	for _, want := range []string{"enrollment=existing", "enrollment cannot have associated cert hash", "cert hash exists"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("got log %q, want it to contain %q", buf.String(), want)
		}
	}
}

func TestStorageErrorDenies(t *testing.T) {
	store := newFakeStore()
	store.err = errors.New("db down")
	c, next, _ := newCertAuth(store)
	if err := authenticate(c, "DEV-1", certA); !errors.Is(err, store.err) {
		t.Errorf("Authenticate: got error %v, want %v", err, store.err)
	}
	if err := tokenUpdate(c, mdm.Enrollment{UDID: "DEV-1"}, certA); !errors.Is(err, store.err) {
		t.Errorf("TokenUpdate: got error %v, want %v", err, store.err)
	}
	if got := next.Methods(); len(got) != 0 {
		t.Errorf("got next calls %v, want none", got)
	}
}

func TestEveryMethodPassesThrough(t *testing.T) {
	store := newFakeStore()
	c, next, _ := newCertAuth(store)
	if err := authenticate(c, "DEV-1", certA); err != nil {
		t.Fatalf("got error %v, want nil", err)
	}
	e := mdm.Enrollment{UDID: "DEV-1"}
	calls := map[string]func(r *mdm.Request) error{
		"CheckOut": func(r *mdm.Request) error {
			return c.CheckOut(r, &mdm.CheckOut{Enrollment: e})
		},
		"SetBootstrapToken": func(r *mdm.Request) error {
			return c.SetBootstrapToken(r, &mdm.SetBootstrapToken{Enrollment: e})
		},
		"GetBootstrapToken": func(r *mdm.Request) error {
			_, err := c.GetBootstrapToken(r, &mdm.GetBootstrapToken{Enrollment: e})
			return err
		},
		"UserAuthenticate": func(r *mdm.Request) error {
			_, err := c.UserAuthenticate(r, &mdm.UserAuthenticate{Enrollment: e})
			return err
		},
		"DeclarativeManagement": func(r *mdm.Request) error {
			_, err := c.DeclarativeManagement(r, &mdm.DeclarativeManagement{Enrollment: e})
			return err
		},
		"GetToken": func(r *mdm.Request) error {
			_, err := c.GetToken(r, &mdm.GetToken{Enrollment: e})
			return err
		},
		"CommandAndReportResults": func(r *mdm.Request) error {
			_, err := c.CommandAndReportResults(r, &mdm.CommandResults{Enrollment: e})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			if err := call(request(certA)); err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			methods := next.Methods()
			if got := methods[len(methods)-1]; got != name {
				t.Errorf("got last next call %q, want %q", got, name)
			}
			if err := call(request(certB)); !errors.Is(err, certauth.ErrNotAssociated) {
				t.Errorf("other cert: got error %v, want %v", err, certauth.ErrNotAssociated)
			}
		})
	}
}
