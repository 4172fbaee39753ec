package devicesim

import (
	"context"

	"github.com/mdmforge/nanomdm/mdm"
)

// Each method here builds one message for the channel and sends it, as a
// check-in or as a command report.

// Authenticate sends an Authenticate check-in.
func (c *Channel) Authenticate(ctx context.Context) (*Response, error) {
	return c.sendCheckin(ctx)(c.AuthenticateMessage())
}

// TokenUpdate sends a TokenUpdate check-in.
func (c *Channel) TokenUpdate(ctx context.Context) (*Response, error) {
	return c.sendCheckin(ctx)(c.TokenUpdateMessage())
}

// CheckOut sends a CheckOut check-in.
func (c *Channel) CheckOut(ctx context.Context) (*Response, error) {
	return c.sendCheckin(ctx)(c.CheckOutMessage())
}

// SetBootstrapToken sends a SetBootstrapToken check-in escrowing token.
func (c *Channel) SetBootstrapToken(ctx context.Context, token []byte) (*Response, error) {
	return c.sendCheckin(ctx)(c.SetBootstrapTokenMessage(token))
}

// GetBootstrapToken sends a GetBootstrapToken check-in.
func (c *Channel) GetBootstrapToken(ctx context.Context) (*Response, error) {
	return c.sendCheckin(ctx)(c.GetBootstrapTokenMessage())
}

// UserAuthenticate sends a UserAuthenticate check-in; see
// [Channel.UserAuthenticateMessage].
func (c *Channel) UserAuthenticate(ctx context.Context, digestResponse string) (*Response, error) {
	return c.sendCheckin(ctx)(c.UserAuthenticateMessage(digestResponse))
}

// DeclarativeManagement sends a DeclarativeManagement check-in.
func (c *Channel) DeclarativeManagement(ctx context.Context, endpoint string, data []byte) (*Response, error) {
	return c.sendCheckin(ctx)(c.DeclarativeManagementMessage(endpoint, data))
}

// GetToken sends a GetToken check-in.
func (c *Channel) GetToken(ctx context.Context, serviceType string, params *mdm.GetTokenParameters) (*Response, error) {
	return c.sendCheckin(ctx)(c.GetTokenMessage(serviceType, params))
}

// Report sends a command report; see [Channel.ReportMessage].
func (c *Channel) Report(ctx context.Context, status, commandUUID string, fields map[string]any) (*Response, error) {
	body, err := c.ReportMessage(status, commandUUID, fields)
	if err != nil {
		return nil, err
	}
	return c.device.SendReport(ctx, body)
}

// ReportIdle sends an Idle report, which requests the next command.
func (c *Channel) ReportIdle(ctx context.Context) (*Response, error) {
	return c.Report(ctx, mdm.StatusIdle, "", nil)
}

// ReportAcknowledged reports that the command ran; fields carry its
// results, if any.
func (c *Channel) ReportAcknowledged(ctx context.Context, commandUUID string, fields map[string]any) (*Response, error) {
	return c.Report(ctx, mdm.StatusAcknowledged, commandUUID, fields)
}

// ReportError reports that the command failed with chain.
func (c *Channel) ReportError(ctx context.Context, commandUUID string, chain []mdm.ErrorChainItem) (*Response, error) {
	return c.Report(ctx, mdm.StatusError, commandUUID, map[string]any{"ErrorChain": chain})
}

// ReportNotNow reports that the device cannot run the command now.
func (c *Channel) ReportNotNow(ctx context.Context, commandUUID string) (*Response, error) {
	return c.Report(ctx, mdm.StatusNotNow, commandUUID, nil)
}

// ReportCommandFormatError reports that the command was malformed.
func (c *Channel) ReportCommandFormatError(ctx context.Context, commandUUID string) (*Response, error) {
	return c.Report(ctx, mdm.StatusCommandFormatError, commandUUID, nil)
}

// sendCheckin returns a function that sends a built check-in body, so each
// method above stays one line.
func (c *Channel) sendCheckin(ctx context.Context) func([]byte, error) (*Response, error) {
	return func(body []byte, err error) (*Response, error) {
		if err != nil {
			return nil, err
		}
		return c.device.SendCheckin(ctx, body)
	}
}
