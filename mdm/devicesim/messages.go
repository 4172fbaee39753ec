package devicesim

import (
	"fmt"
	"maps"

	"github.com/micromdm/plist"

	"github.com/mdmforge/nanomdm/mdm"
)

// CheckinMessage returns an XML check-in plist with MessageType
// messageType, the channel's enrollment keys and fields. A key in fields
// replaces an enrollment key of the same name.
func (c *Channel) CheckinMessage(messageType string, fields map[string]any) ([]byte, error) {
	msg := c.enrollmentKeys()
	msg["MessageType"] = messageType
	maps.Copy(msg, fields)
	return marshal(msg)
}

// ReportMessage returns an XML command report plist with status, the
// channel's enrollment keys, commandUUID (left out when empty, as for
// Idle) and fields, such as a query's results.
func (c *Channel) ReportMessage(status, commandUUID string, fields map[string]any) ([]byte, error) {
	msg := c.enrollmentKeys()
	msg["Status"] = status
	if commandUUID != "" {
		msg["CommandUUID"] = commandUUID
	}
	maps.Copy(msg, fields)
	return marshal(msg)
}

// AuthenticateMessage returns the Authenticate check-in that starts an
// enrollment. A User Enrollment device sends no serial number.
func (c *Channel) AuthenticateMessage() ([]byte, error) {
	d := c.device
	fields := map[string]any{
		"Topic":        d.Topic,
		"BuildVersion": d.BuildVersion,
		"DeviceName":   d.DeviceName,
		"Model":        d.Model,
		"ModelName":    d.ModelName,
		"OSVersion":    d.OSVersion,
		"ProductName":  d.ProductName,
	}
	if d.UDID != "" {
		fields["SerialNumber"] = d.SerialNumber
	}
	return c.CheckinMessage(mdm.MessageAuthenticate, fields)
}

// TokenUpdateMessage returns a TokenUpdate with the channel's push token
// and PushMagic. A device channel also sends the device's UnlockToken
// when it has one.
func (c *Channel) TokenUpdateMessage() ([]byte, error) {
	fields := map[string]any{
		"Token":                 c.Token,
		"PushMagic":             c.PushMagic,
		"Topic":                 c.device.Topic,
		"AwaitingConfiguration": false,
	}
	if c.isDeviceChannel() && c.device.UnlockToken != nil {
		fields["UnlockToken"] = c.device.UnlockToken
	}
	return c.CheckinMessage(mdm.MessageTokenUpdate, fields)
}

// CheckOutMessage returns the CheckOut a device sends when its MDM
// profile is removed.
func (c *Channel) CheckOutMessage() ([]byte, error) {
	return c.CheckinMessage(mdm.MessageCheckOut, nil)
}

// SetBootstrapTokenMessage returns a SetBootstrapToken escrowing token;
// a nil token leaves the BootstrapToken key out.
func (c *Channel) SetBootstrapTokenMessage(token []byte) ([]byte, error) {
	fields := map[string]any{"AwaitingConfiguration": false}
	if token != nil {
		fields["BootstrapToken"] = token
	}
	return c.CheckinMessage(mdm.MessageSetBootstrapToken, fields)
}

// GetBootstrapTokenMessage returns a GetBootstrapToken request.
func (c *Channel) GetBootstrapTokenMessage() ([]byte, error) {
	fields := map[string]any{"AwaitingConfiguration": false}
	return c.CheckinMessage(mdm.MessageGetBootstrapToken, fields)
}

// UserAuthenticateMessage returns a UserAuthenticate. The first one a user
// channel sends has no digestResponse; pass "" for it.
func (c *Channel) UserAuthenticateMessage(digestResponse string) ([]byte, error) {
	var fields map[string]any
	if digestResponse != "" {
		fields = map[string]any{"DigestResponse": digestResponse}
	}
	return c.CheckinMessage(mdm.MessageUserAuthenticate, fields)
}

// DeclarativeManagementMessage returns a DeclarativeManagement request for
// endpoint, such as "tokens" or "status"; nil data leaves the Data key out.
func (c *Channel) DeclarativeManagementMessage(endpoint string, data []byte) ([]byte, error) {
	fields := map[string]any{"Endpoint": endpoint}
	if data != nil {
		fields["Data"] = data
	}
	return c.CheckinMessage(mdm.MessageDeclarativeManagement, fields)
}

// GetTokenMessage returns a GetToken request for serviceType; nil params
// leaves the TokenParameters key out.
func (c *Channel) GetTokenMessage(serviceType string, params *mdm.GetTokenParameters) ([]byte, error) {
	fields := map[string]any{"TokenServiceType": serviceType}
	if params != nil {
		fields["TokenParameters"] = *params
	}
	return c.CheckinMessage(mdm.MessageGetToken, fields)
}

// enrollmentKeys returns the channel's non-empty enrollment keys.
func (c *Channel) enrollmentKeys() map[string]any {
	e := c.Enrollment
	keys := make(map[string]any, 12)
	for name, value := range map[string]string{
		"UDID":             e.UDID,
		"UserID":           e.UserID,
		"UserShortName":    e.UserShortName,
		"UserLongName":     e.UserLongName,
		"EnrollmentID":     e.EnrollmentID,
		"EnrollmentUserID": e.EnrollmentUserID,
	} {
		if value != "" {
			keys[name] = value
		}
	}
	return keys
}

func (c *Channel) isDeviceChannel() bool {
	return c.Enrollment.UserID == "" && c.Enrollment.EnrollmentUserID == ""
}

// marshal encodes msg as an indented XML plist with sorted keys, the way
// devices send them.
func marshal(msg map[string]any) ([]byte, error) {
	b, err := plist.MarshalIndent(msg, "\t")
	if err != nil {
		return nil, fmt.Errorf("encoding plist: %w", err)
	}
	return b, nil
}
