package devicesim

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/mdmforge/nanomdm/mdm"
)

// MaxPollCommands is the maximum number of commands one [Channel.Poll]
// reports on, so a server that keeps sending commands cannot hold a test
// for ever.
const MaxPollCommands = 1000

// StatusError reports a response whose status is not 200 OK.
type StatusError struct {
	// Request names the request, such as "Authenticate".
	Request  string
	Response *Response
}

// Error names the request and shows the status and the response body.
func (e *StatusError) Error() string {
	return fmt.Sprintf("%s: got HTTP status %d, want 200: %q", e.Request, e.Response.StatusCode, e.Response.Body)
}

// ReportFunc returns the status and any extra fields a device reports for
// a command.
type ReportFunc func(cmd *mdm.Command) (status string, fields map[string]any)

// Acknowledge reports every command as Acknowledged with no results.
func Acknowledge(*mdm.Command) (string, map[string]any) {
	return mdm.StatusAcknowledged, nil
}

// Enroll sends Authenticate and then TokenUpdate on the device channel,
// as a device does when its MDM profile is installed. A status other
// than 200 is a *StatusError.
func (d *Device) Enroll(ctx context.Context) error {
	if err := expectOK("Authenticate")(d.Authenticate(ctx)); err != nil {
		return err
	}
	return expectOK("TokenUpdate")(d.TokenUpdate(ctx))
}

// Poll runs a command session as a device does after a push. It sends
// Idle, reports on each command the server returns with the status and
// fields that report returns, and stops when a reply has no command. It
// returns the commands in the order received. A status other than 200 is
// a *StatusError, and more than MaxPollCommands commands is an error.
func (c *Channel) Poll(ctx context.Context, report ReportFunc) ([]*mdm.Command, error) {
	resp, err := c.ReportIdle(ctx)
	var cmds []*mdm.Command
	for {
		if err := expectOK("command report")(resp, err); err != nil {
			return cmds, err
		}
		// A new name, so the report's error below reaches the next check.
		cmd, decodeErr := resp.Command()
		if errors.Is(decodeErr, ErrNoCommand) {
			return cmds, nil
		}
		if decodeErr != nil {
			return cmds, fmt.Errorf("decoding command from the server: %w", decodeErr)
		}
		if len(cmds) == MaxPollCommands {
			return cmds, fmt.Errorf("server sent more than %d commands in one session", MaxPollCommands)
		}
		cmds = append(cmds, cmd)
		status, fields := report(cmd)
		resp, err = c.Report(ctx, status, cmd.CommandUUID, fields)
	}
}

// expectOK returns a function that turns a response other than 200 into
// a *StatusError named request.
func expectOK(request string) func(*Response, error) error {
	return func(resp *Response, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", request, err)
		}
		if resp.StatusCode != http.StatusOK {
			return &StatusError{Request: request, Response: resp}
		}
		return nil
	}
}
