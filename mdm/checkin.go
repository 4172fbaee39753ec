package mdm

import (
	"errors"
	"fmt"
)

// Check-in message types, the values of the MessageType key.
const (
	MessageAuthenticate          = "Authenticate"
	MessageTokenUpdate           = "TokenUpdate"
	MessageCheckOut              = "CheckOut"
	MessageSetBootstrapToken     = "SetBootstrapToken"
	MessageGetBootstrapToken     = "GetBootstrapToken"
	MessageUserAuthenticate      = "UserAuthenticate"
	MessageDeclarativeManagement = "DeclarativeManagement"
	MessageGetToken              = "GetToken"
)

// Raw keeps the exact bytes a message was decoded from. Storage, the
// webhook, dump and migration all use these bytes, never a re-encoding.
type Raw struct {
	Raw []byte `plist:"-"`
}

// MessageType is the key that names a check-in message.
type MessageType struct {
	MessageType string
}

// Authenticate is the first check-in of an enrollment.
// See https://developer.apple.com/documentation/devicemanagement/authenticaterequest
type Authenticate struct {
	Enrollment
	MessageType
	Topic        string
	SerialNumber string `plist:",omitempty"`
	Raw
}

// Push is the APNs address of one enrollment: the push topic, the
// PushMagic to send and the device token.
type Push struct {
	PushMagic string
	Token     []byte
	Topic     string
}

// TokenUpdate carries an enrollment's push details; after it the
// enrollment is valid.
// See https://developer.apple.com/documentation/devicemanagement/tokenupdaterequest
type TokenUpdate struct {
	Enrollment
	MessageType
	Push
	UnlockToken []byte `plist:",omitempty"`
	Raw
}

// CheckOut is sent when the MDM profile is removed.
// See https://developer.apple.com/documentation/devicemanagement/checkoutrequest
type CheckOut struct {
	Enrollment
	MessageType
	Raw
}

// BootstrapToken is the macOS bootstrap token a device escrows.
type BootstrapToken struct {
	BootstrapToken []byte
}

// SetBootstrapToken escrows a bootstrap token with the server.
// See https://developer.apple.com/documentation/devicemanagement/setbootstraptokenrequest
type SetBootstrapToken struct {
	Enrollment
	MessageType
	BootstrapToken
	Raw
}

// GetBootstrapToken requests the escrowed bootstrap token.
// See https://developer.apple.com/documentation/devicemanagement/getbootstraptokenrequest
type GetBootstrapToken struct {
	Enrollment
	MessageType
	Raw
}

// UserAuthenticate requests management of a macOS user. The first
// message has no DigestResponse; the second, sent after a DigestChallenge
// reply, has one.
// See https://developer.apple.com/documentation/devicemanagement/userauthenticaterequest
type UserAuthenticate struct {
	Enrollment
	MessageType
	DigestResponse string `plist:",omitempty"`
	Raw
}

// DeclarativeManagement carries a declarative management request: the
// Endpoint to ask and, for status reports, JSON Data.
// See https://developer.apple.com/documentation/devicemanagement/declarativemanagementrequest
type DeclarativeManagement struct {
	Enrollment
	MessageType
	Endpoint string
	Data     []byte `plist:",omitempty"`
	Raw
}

// GetTokenParameters are the parameters of a watch pairing token request.
type GetTokenParameters struct {
	PhoneUDID     string
	SecurityToken string
	WatchUDID     string
}

// GetToken requests a token from one of the server's token services.
// See https://developer.apple.com/documentation/devicemanagement/gettokenrequest
type GetToken struct {
	Enrollment
	MessageType
	TokenServiceType string
	TokenParameters  *GetTokenParameters `plist:",omitempty"`
	Raw
}

// GetTokenResponse is the reply to a GetToken check-in.
type GetTokenResponse struct {
	TokenData []byte
}

// Token service types Apple defines for GetToken.
const (
	TokenServiceMAID         = "com.apple.maid"
	TokenServiceWatchPairing = "com.apple.watch.pairing"
)

// Validate reports an error for a GetToken without a service type, or a
// watch pairing request without parameters.
func (m *GetToken) Validate() error {
	if m.TokenServiceType == "" {
		return errors.New("empty GetToken TokenServiceType")
	}
	if m.TokenServiceType == TokenServiceWatchPairing && m.TokenParameters == nil {
		return fmt.Errorf("missing TokenParameters for %s", m.TokenServiceType)
	}
	return nil
}
