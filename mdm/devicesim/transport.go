package devicesim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/mdmforge/nanomdm/mdm"
)

// Content types a device sends.
const (
	// ContentTypeCheckin marks a check-in; the server routes on it.
	ContentTypeCheckin = "application/x-apple-aspen-mdm-checkin"
	// ContentTypeReport is sent with command reports. The server does not
	// read it.
	ContentTypeReport = "application/x-apple-aspen-mdm"
)

// userAgent is the User-Agent an Apple device's MDM client sends.
const userAgent = "MDM/1.0"

// ErrNoCommand is returned by [Response.Command] for an empty body, which
// means the server has no command to send.
var ErrNoCommand = errors.New("no command in response")

// Response is the status, headers and body the server returned for one
// request.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// Command decodes the response body as a command. It returns ErrNoCommand
// for an empty body, and mdm.DecodeCommand's errors otherwise.
func (r *Response) Command() (*mdm.Command, error) {
	if len(r.Body) == 0 {
		return nil, ErrNoCommand
	}
	return mdm.DecodeCommand(r.Body)
}

// SendCheckin sends body unchanged as a check-in: to CheckInURL, or to
// ServerURL when that is empty, with the check-in content type. Use it to
// send a captured real check-in plist.
func (d *Device) SendCheckin(ctx context.Context, body []byte) (*Response, error) {
	url := d.CheckInURL
	if url == "" {
		url = d.ServerURL
	}
	return d.Send(ctx, url, ContentTypeCheckin, body)
}

// SendReport sends body unchanged as a command report to ServerURL.
func (d *Device) SendReport(ctx context.Context, body []byte) (*Response, error) {
	return d.Send(ctx, d.ServerURL, ContentTypeReport, body)
}

// Send PUTs body to url with contentType (none when empty), presenting
// the identity as CertMode selects, and returns the whole response. An HTTP
// error status is not an error; a transport failure is.
func (d *Device) Send(ctx context.Context, url, contentType string, body []byte) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("building request to %s: %w", url, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("User-Agent", userAgent)
	if err := d.presentIdentity(req.Header, body); err != nil {
		return nil, err
	}

	client := d.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sending request to %s: %w", url, err)
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading response from %s: %w", url, err)
	}
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: respBody}, nil
}

// presentIdentity adds the identity to h as CertMode selects.
func (d *Device) presentIdentity(h http.Header, body []byte) error {
	if d.CertMode == CertNone {
		return nil
	}
	if d.Identity == nil {
		return errors.New("device has no Identity, so it cannot present a certificate; set Identity or use CertNone")
	}
	switch d.CertMode {
	case CertSignature:
		sig, err := d.Identity.Sign(body)
		if err != nil {
			return fmt.Errorf("signing body: %w", err)
		}
		h.Set("Mdm-Signature", sig)
	case CertRFC9440:
		h.Set(d.CertHeader, d.Identity.RFC9440Header())
	case CertEscapedPEM:
		h.Set(d.CertHeader, d.Identity.EscapedPEMHeader())
	default:
		return fmt.Errorf("unknown certificate mode %d", d.CertMode)
	}
	return nil
}
