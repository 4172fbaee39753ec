package mdm

import (
	"context"
	"crypto/x509"
	"errors"
)

// SharediPadUserID is the UserID every Shared iPad user channel presents.
// Such users are told apart by their UserShortName instead.
const SharediPadUserID = "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF"

// ErrNoEnrollmentID is returned when a message carries neither a UDID nor an
// EnrollmentID, so no enrollment can be resolved from it.
var ErrNoEnrollmentID = errors.New("nil enrollment id")

// EnrollType is the kind of MDM channel an enrollment ID names. The numeric
// values match NanoMDM's and are never stored; the String form is.
type EnrollType int

// The enrollment types, in NanoMDM's numeric order. Zero is invalid.
const (
	Device EnrollType = iota + 1
	User
	UserEnrollmentDevice
	UserEnrollment
	SharediPad
)

var enrollTypeNames = [...]string{
	Device:               "Device",
	User:                 "User",
	UserEnrollmentDevice: "User Enrollment (Device)",
	UserEnrollment:       "User Enrollment",
	SharediPad:           "Shared iPad",
}

// String returns the type name used in storage, logs, webhooks and DM
// headers, or "" for an invalid type.
func (t EnrollType) String() string {
	if !t.Valid() {
		return ""
	}
	return enrollTypeNames[t]
}

// Valid reports whether t is one of the five enrollment types.
func (t EnrollType) Valid() bool {
	return t >= Device && t <= SharediPad
}

// IsUserChannel reports whether t names a user channel rather than a device
// channel.
func (t EnrollType) IsUserChannel() bool {
	return t == User || t == UserEnrollment || t == SharediPad
}

// EnrollID is a normalized enrollment identifier. ID is the device channel
// ID, or "<device>:<user>" for a user channel, in which case ParentID is the
// device channel ID. The ID is the key for storage, queues, pushes and
// webhooks, so its format never changes.
type EnrollID struct {
	Type     EnrollType
	ID       string
	ParentID string
}

// Validate reports an error when the ID is empty or its type is invalid.
func (e *EnrollID) Validate() error {
	if e == nil || e.ID == "" {
		return ErrNoEnrollmentID
	}
	if !e.Type.Valid() {
		return errors.New("invalid enrollment type")
	}
	return nil
}

// DeviceID returns the device channel ID: ParentID for a user channel,
// otherwise ID.
func (e *EnrollID) DeviceID() string {
	if e.ParentID != "" {
		return e.ParentID
	}
	return e.ID
}

// Enrollment holds the identifying keys every check-in and command report
// may carry. Which keys are set decides the enrollment type.
type Enrollment struct {
	UDID             string `plist:",omitempty"`
	UserID           string `plist:",omitempty"`
	UserShortName    string `plist:",omitempty"`
	UserLongName     string `plist:",omitempty"`
	EnrollmentID     string `plist:",omitempty"`
	EnrollmentUserID string `plist:",omitempty"`
}

// Resolve returns the normalized enrollment ID for e, or nil when e has
// neither a UDID nor an EnrollmentID. UDID wins over EnrollmentID; no
// identifier is trimmed or case-folded. A Shared iPad user without a short
// name resolves to "<udid>:" as NanoMDM does.
func (e *Enrollment) Resolve() *EnrollID {
	switch {
	case e.UDID != "" && e.UserID == "":
		return &EnrollID{Type: Device, ID: e.UDID}
	case e.UDID != "" && e.UserID == SharediPadUserID:
		return userChannel(SharediPad, e.UDID, e.UserShortName)
	case e.UDID != "":
		return userChannel(User, e.UDID, e.UserID)
	case e.EnrollmentID != "" && e.EnrollmentUserID == "":
		return &EnrollID{Type: UserEnrollmentDevice, ID: e.EnrollmentID}
	case e.EnrollmentID != "":
		return userChannel(UserEnrollment, e.EnrollmentID, e.EnrollmentUserID)
	}
	return nil
}

// DeviceChannel returns the device channel ID for e, ignoring any user
// channel keys, or nil when e cannot be resolved. Certificate bindings are
// keyed by it.
func (e *Enrollment) DeviceChannel() *EnrollID {
	id := e.Resolve()
	if id == nil || !id.Type.IsUserChannel() {
		return id
	}
	deviceType := Device
	if id.Type == UserEnrollment {
		deviceType = UserEnrollmentDevice
	}
	return &EnrollID{Type: deviceType, ID: id.ParentID}
}

func userChannel(t EnrollType, deviceID, userID string) *EnrollID {
	return &EnrollID{Type: t, ID: deviceID + ":" + userID, ParentID: deviceID}
}

// Request is one MDM request as it moves through the services: the
// resolved enrollment, the verified identity certificate and the URL query.
// Like http.Request it carries its context.
type Request struct {
	*EnrollID
	Context     context.Context
	Certificate *x509.Certificate

	// Params holds the first value of each URL query key, or nil when the
	// request had no query. Only the webhook reads it.
	Params map[string]string
}

// NewRequest returns a Request for ctx carrying cert.
func NewRequest(ctx context.Context, cert *x509.Certificate) *Request {
	return &Request{Context: ctx, Certificate: cert}
}

// Clone returns a shallow copy of r with its own copy of the EnrollID, so
// a service can change the copy without touching r.
func (r *Request) Clone() *Request {
	c := *r
	if r.EnrollID != nil {
		id := *r.EnrollID
		c.EnrollID = &id
	}
	return &c
}
