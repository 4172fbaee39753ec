package devicesim

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"

	"github.com/mdmforge/nanomdm/mdm"
)

// CertMode selects how a device presents its identity certificate.
type CertMode int

const (
	// CertSignature signs each body and sends the detached CMS in the
	// Mdm-Signature header, as a device whose profile sets SignMessage.
	CertSignature CertMode = iota
	// CertRFC9440 sends the certificate in Device.CertHeader as RFC 9440
	// ":base64-DER:", as a TLS-terminating proxy would.
	CertRFC9440
	// CertEscapedPEM sends the certificate in Device.CertHeader as
	// URL-escaped PEM, as nginx's $ssl_client_escaped_cert gives it.
	CertEscapedPEM
	// CertNone sends no certificate at all.
	CertNone
)

// Device is a simulated Apple device. Its exported fields may be changed
// between requests, for example to send a new push token, but a Device is
// not safe for concurrent use while they change.
type Device struct {
	// Channel is the device channel. Its methods send device-channel
	// check-ins and command reports.
	Channel

	// UDID is the device channel ID. When it is empty the device is a
	// User Enrollment (BYOD) device that uses EnrollmentID instead.
	UDID         string
	EnrollmentID string

	SerialNumber string
	// Topic is the APNs push topic sent in Authenticate and TokenUpdate.
	Topic string
	// UnlockToken, when set, is sent in device-channel TokenUpdates.
	UnlockToken []byte

	// Hardware and software details sent in Authenticate.
	Model, ModelName, ProductName, DeviceName, OSVersion, BuildVersion string

	Identity *Identity

	// ServerURL receives command reports, and check-ins too unless
	// CheckInURL is set.
	ServerURL  string
	CheckInURL string
	// Client sends every request; nil means http.DefaultClient.
	Client *http.Client

	// CertMode selects how Identity is presented; CertHeader names the
	// header for the proxy modes.
	CertMode   CertMode
	CertHeader string
}

// Channel is one MDM channel of a device: the device channel or a user
// channel. Each channel has its own push token and PushMagic.
type Channel struct {
	device *Device
	// Enrollment holds the identifying keys sent with every message.
	Enrollment mdm.Enrollment
	Token      []byte
	PushMagic  string
}

// NewDevice returns a macOS-like device with a random UDID, serial number,
// push topic, token and PushMagic, presenting id to serverURL with an
// Mdm-Signature header.
func NewDevice(id *Identity, serverURL string) (*Device, error) {
	udid, err := newUUID()
	if err != nil {
		return nil, err
	}
	topicUUID, err := newUUID()
	if err != nil {
		return nil, err
	}
	serial, err := newSerialNumber()
	if err != nil {
		return nil, err
	}
	d := &Device{
		UDID:         udid,
		SerialNumber: serial,
		Topic:        "com.apple.mgmt.External." + strings.ToLower(topicUUID),
		Model:        "Mac14,2",
		ModelName:    "MacBook Air",
		ProductName:  "Mac14,2",
		DeviceName:   "Simulated Mac",
		OSVersion:    "14.4.1",
		BuildVersion: "23E224",
		Identity:     id,
		ServerURL:    serverURL,
	}
	d.Channel = Channel{device: d, Enrollment: mdm.Enrollment{UDID: udid}}
	if err := d.Channel.newPushDetails(); err != nil {
		return nil, err
	}
	return d, nil
}

// NewUserEnrollmentDevice returns a device enrolled through User
// Enrollment: it has a random EnrollmentID and no UDID.
func NewUserEnrollmentDevice(id *Identity, serverURL string) (*Device, error) {
	d, err := NewDevice(id, serverURL)
	if err != nil {
		return nil, err
	}
	d.EnrollmentID, err = newUUID()
	if err != nil {
		return nil, err
	}
	d.UDID = ""
	d.Channel.Enrollment = mdm.Enrollment{EnrollmentID: d.EnrollmentID}
	return d, nil
}

// UserChannel returns the channel of a macOS user on the device.
func (d *Device) UserChannel(userID, shortName, longName string) (*Channel, error) {
	return d.newUserChannel(mdm.Enrollment{
		UDID:          d.UDID,
		UserID:        userID,
		UserShortName: shortName,
		UserLongName:  longName,
	})
}

// SharediPadUser returns the channel of a Shared iPad user, who presents
// the fixed Shared iPad UserID and is identified by shortName.
func (d *Device) SharediPadUser(shortName string) (*Channel, error) {
	return d.newUserChannel(mdm.Enrollment{
		UDID:          d.UDID,
		UserID:        mdm.SharediPadUserID,
		UserShortName: shortName,
	})
}

// EnrollmentUser returns the user channel of a User Enrollment device.
func (d *Device) EnrollmentUser(enrollmentUserID string) (*Channel, error) {
	return d.newUserChannel(mdm.Enrollment{
		EnrollmentID:     d.EnrollmentID,
		EnrollmentUserID: enrollmentUserID,
	})
}

func (d *Device) newUserChannel(e mdm.Enrollment) (*Channel, error) {
	c := &Channel{device: d, Enrollment: e}
	if err := c.newPushDetails(); err != nil {
		return nil, err
	}
	return c, nil
}

// ID returns the enrollment ID the server derives for the channel, such
// as the UDID or "UDID:UserID".
func (c *Channel) ID() string {
	id := c.Enrollment.Resolve()
	if id == nil {
		return ""
	}
	return id.ID
}

// Device returns the device the channel belongs to.
func (c *Channel) Device() *Device { return c.device }

// newPushDetails gives the channel a random 32-byte token and PushMagic.
func (c *Channel) newPushDetails() error {
	c.Token = make([]byte, 32)
	if _, err := rand.Read(c.Token); err != nil {
		return fmt.Errorf("generating push token: %w", err)
	}
	magic, err := newUUID()
	if err != nil {
		return err
	}
	c.PushMagic = magic
	return nil
}

// newUUID returns a random version 4 UUID in uppercase, as Apple devices
// write UDIDs and PushMagic.
func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generating UUID: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%X-%X-%X-%X-%X", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

const serialAlphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// newSerialNumber returns a random 12-character serial number.
func newSerialNumber() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generating serial number: %w", err)
	}
	for i := range b {
		b[i] = serialAlphabet[int(b[i])%len(serialAlphabet)]
	}
	return string(b[:]), nil
}
