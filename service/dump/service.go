package dump

import (
	"github.com/mdmforge/nanomdm/mdm"
)

// Authenticate writes the message, then passes it on.
func (d *Dumper) Authenticate(r *mdm.Request, msg *mdm.Authenticate) error {
	d.write(r, msg.Raw.Raw)
	return d.next.Authenticate(r, msg)
}

// TokenUpdate writes the message, then passes it on.
func (d *Dumper) TokenUpdate(r *mdm.Request, msg *mdm.TokenUpdate) error {
	d.write(r, msg.Raw.Raw)
	return d.next.TokenUpdate(r, msg)
}

// CheckOut writes the message, then passes it on.
func (d *Dumper) CheckOut(r *mdm.Request, msg *mdm.CheckOut) error {
	d.write(r, msg.Raw.Raw)
	return d.next.CheckOut(r, msg)
}

// SetBootstrapToken writes the message, then passes it on.
func (d *Dumper) SetBootstrapToken(r *mdm.Request, msg *mdm.SetBootstrapToken) error {
	d.write(r, msg.Raw.Raw)
	return d.next.SetBootstrapToken(r, msg)
}

// GetBootstrapToken writes the message, passes it on, and writes a
// "Bootstrap token: " line with the base64 token when one is returned.
func (d *Dumper) GetBootstrapToken(r *mdm.Request, msg *mdm.GetBootstrapToken) (*mdm.BootstrapToken, error) {
	d.write(r, msg.Raw.Raw)
	token, err := d.next.GetBootstrapToken(r, msg)
	if token != nil {
		d.write(r, labeled("Bootstrap token: ", token.BootstrapToken))
	}
	return token, err
}

// UserAuthenticate writes the message, passes it on, and writes the reply.
func (d *Dumper) UserAuthenticate(r *mdm.Request, msg *mdm.UserAuthenticate) ([]byte, error) {
	d.write(r, msg.Raw.Raw)
	reply, err := d.next.UserAuthenticate(r, msg)
	d.write(r, reply)
	return reply, err
}

// DeclarativeManagement writes the message and its Data, passes it on,
// and writes the reply.
func (d *Dumper) DeclarativeManagement(r *mdm.Request, msg *mdm.DeclarativeManagement) ([]byte, error) {
	d.write(r, msg.Raw.Raw, msg.Data)
	reply, err := d.next.DeclarativeManagement(r, msg)
	// NOTE(parity): NanoMDM writes the DM reply only when the DM call
	// failed. The reply is written in every case here, so the dump shows
	// what the device received.
	d.write(r, reply)
	return reply, err
}

// GetToken writes the message, passes it on, and writes a
// "GetToken TokenData: " line with the base64 token when one is returned.
func (d *Dumper) GetToken(r *mdm.Request, msg *mdm.GetToken) (*mdm.GetTokenResponse, error) {
	d.write(r, msg.Raw.Raw)
	resp, err := d.next.GetToken(r, msg)
	if resp != nil {
		d.write(r, labeled("GetToken TokenData: ", resp.TokenData))
	}
	return resp, err
}

// CommandAndReportResults writes the report, passes it on, and writes the
// raw bytes of the command sent back.
func (d *Dumper) CommandAndReportResults(r *mdm.Request, results *mdm.CommandResults) (*mdm.Command, error) {
	d.write(r, results.Raw.Raw)
	cmd, err := d.next.CommandAndReportResults(r, results)
	// NOTE(parity): NanoMDM never writes the command it sends back, so its
	// dump misses half of each command exchange.
	if cmd != nil {
		d.write(r, cmd.Raw.Raw)
	}
	return cmd, err
}
