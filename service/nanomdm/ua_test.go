package nanomdm_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
	"github.com/mdmforge/nanomdm/service/nanomdm"
)

const wantChallenge = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
	"<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n" +
	"<plist version=\"1.0\">\n<dict>\n\t<key>DigestChallenge</key>\n\t<string></string>\n</dict>\n</plist>"

func userRequest() *mdm.Request {
	r := newRequest()
	r.EnrollID = &mdm.EnrollID{Type: mdm.User, ID: "UDID-1:USER-1", ParentID: "UDID-1"}
	return r
}

func TestUserAuthenticatorDeclines(t *testing.T) {
	ua := nanomdm.NewUserAuthenticator()
	got, err := ua.UserAuthenticate(userRequest(), &mdm.UserAuthenticate{Enrollment: userChannel})
	var statusErr *service.HTTPStatusError
	if !errors.As(err, &statusErr) {
		t.Fatalf("got error %v, want a *service.HTTPStatusError", err)
	}
	if statusErr.Status != http.StatusGone {
		t.Errorf("got status %d, want %d", statusErr.Status, http.StatusGone)
	}
	if !strings.Contains(err.Error(), "declining management of user: UDID-1:USER-1") {
		t.Errorf("got error %q, want it to name the user channel", err)
	}
	if got != nil {
		t.Errorf("got reply %q, want nil", got)
	}
}

func TestUserAuthenticatorDigestAccepted(t *testing.T) {
	ua := nanomdm.NewUserAuthenticator()
	got, err := ua.UserAuthenticate(userRequest(), &mdm.UserAuthenticate{DigestResponse: "x"})
	if err != nil || got != nil {
		t.Errorf("got %q, %v, want nil, nil", got, err)
	}
}

func TestZeroLengthChallenge(t *testing.T) {
	tests := []struct {
		name   string
		digest string
		want   string
	}{
		{name: "first message", want: wantChallenge},
		{name: "digest response", digest: "abc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := &fakeStore{}
			ua := nanomdm.NewZeroLengthChallengeAuthenticator(store)
			msg := &mdm.UserAuthenticate{Enrollment: userChannel, DigestResponse: tc.digest}
			got, err := ua.UserAuthenticate(userRequest(), msg)
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if string(got) != tc.want {
				t.Errorf("got reply %q, want %q", got, tc.want)
			}
			want := []string{"StoreUserAuthenticate:UDID-1:USER-1"}
			if !slices.Equal(store.calls, want) {
				t.Errorf("got calls %v, want %v", store.calls, want)
			}
		})
	}
}

func TestZeroLengthChallengeBytes(t *testing.T) {
	if len(wantChallenge) != 234 {
		t.Fatalf("got expected challenge of %d bytes, want 234", len(wantChallenge))
	}
	ua := nanomdm.NewZeroLengthChallengeAuthenticator(&fakeStore{})
	got, _ := ua.UserAuthenticate(userRequest(), &mdm.UserAuthenticate{})
	if len(got) != 234 {
		t.Errorf("got %d bytes, want 234", len(got))
	}
}

func TestZeroLengthChallengeStoreError(t *testing.T) {
	errStore := errors.New("disk full")
	store := &fakeStore{errs: map[string]error{"StoreUserAuthenticate": errStore}}
	ua := nanomdm.NewZeroLengthChallengeAuthenticator(store)
	got, err := ua.UserAuthenticate(userRequest(), &mdm.UserAuthenticate{})
	if !errors.Is(err, errStore) {
		t.Errorf("got error %v, want %v", err, errStore)
	}
	if got != nil {
		t.Errorf("got reply %q, want nil", got)
	}
}
