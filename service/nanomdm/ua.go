package nanomdm

import (
	"fmt"
	"net/http"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
	"github.com/mdmforge/nanomdm/storage"
)

// zeroLengthDigestChallenge is the reply that makes a device send a second
// UserAuthenticate with a DigestResponse. Its 234 bytes, tab indentation
// and missing final newline are what NanoMDM sends.
const zeroLengthDigestChallenge = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>DigestChallenge</key>
	<string></string>
</dict>
</plist>`

// UserAuthenticator is a UserAuthenticate policy. In its default mode it
// declines to manage every user. In zero-length challenge mode it stores
// each message and accepts every user without checking the digest.
//
// See https://developer.apple.com/documentation/devicemanagement/userauthenticaterequest
type UserAuthenticator struct {
	store          storage.CheckinStore
	challengeEmpty bool
}

// NewUserAuthenticator returns the default policy. It replies 410 Gone to
// the first UserAuthenticate of a user, which declines management of that
// user, and stores nothing.
func NewUserAuthenticator() *UserAuthenticator {
	return &UserAuthenticator{}
}

// NewZeroLengthChallengeAuthenticator returns the policy that stores every
// UserAuthenticate in store. It replies to the first message of a user
// with an empty DigestChallenge, and to the second one, which carries a
// DigestResponse, with an empty body. It panics when store is nil.
func NewZeroLengthChallengeAuthenticator(store storage.CheckinStore) *UserAuthenticator {
	if store == nil {
		panic("nanomdm: nil UserAuthenticate store")
	}
	return &UserAuthenticator{store: store, challengeEmpty: true}
}

// UserAuthenticate applies the policy. A declined user gets a
// *[service.HTTPStatusError] with status 410.
func (u *UserAuthenticator) UserAuthenticate(r *mdm.Request, msg *mdm.UserAuthenticate) ([]byte, error) {
	if !u.challengeEmpty {
		if msg.DigestResponse != "" {
			return nil, nil
		}
		return nil, service.NewHTTPStatusError(
			http.StatusGone,
			fmt.Errorf("declining management of user: %s", enrollmentID(r)),
		)
	}

	if err := u.store.StoreUserAuthenticate(r, msg); err != nil {
		return nil, fmt.Errorf("storing UserAuthenticate: %w", err)
	}
	if msg.DigestResponse != "" {
		return nil, nil
	}
	return []byte(zeroLengthDigestChallenge), nil
}

// enrollmentID returns the ID set on r, or "" when r has none.
func enrollmentID(r *mdm.Request) string {
	if r == nil || r.EnrollID == nil {
		return ""
	}
	return r.ID
}
