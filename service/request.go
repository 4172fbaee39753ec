package service

import (
	"errors"
	"fmt"

	"github.com/micromdm/plist"

	"github.com/mdmforge/nanomdm/mdm"
)

// ErrNoGetTokenResponse is returned by [CheckinRequest] when a GetToken
// service returns neither a response nor an error.
var ErrNoGetTokenResponse = errors.New("GetToken service returned no response")

// CheckinRequest decodes a check-in body, calls the method of svc that
// handles its MessageType and returns the reply body, where nil means an
// empty 200.
//
// Decoding errors wrap an *[mdm.ParseError], which the HTTP layer maps to
// 400. A GetToken message is validated before svc is called, and a
// validation failure is a plain error (500), so no service sees such a
// message. Errors from svc are returned unchanged. A DeclarativeManagement
// reply is returned even together with an error, because the device
// receives the upstream body after the error status.
func CheckinRequest(svc Checkin, r *mdm.Request, body []byte) ([]byte, error) {
	msg, err := mdm.DecodeCheckin(body)
	if err != nil {
		return nil, fmt.Errorf("decoding check-in: %w", err)
	}

	switch m := msg.(type) {
	case *mdm.Authenticate:
		return nil, svc.Authenticate(r, m)
	case *mdm.TokenUpdate:
		return nil, svc.TokenUpdate(r, m)
	case *mdm.CheckOut:
		return nil, svc.CheckOut(r, m)
	case *mdm.SetBootstrapToken:
		return nil, svc.SetBootstrapToken(r, m)
	case *mdm.GetBootstrapToken:
		return getBootstrapToken(svc, r, m)
	case *mdm.UserAuthenticate:
		return svc.UserAuthenticate(r, m)
	case *mdm.DeclarativeManagement:
		return svc.DeclarativeManagement(r, m)
	case *mdm.GetToken:
		return getToken(svc, r, m)
	}
	return nil, fmt.Errorf("decoding check-in: unhandled message type %T", msg)
}

// getBootstrapToken replies with a plist that contains the escrowed token,
// or with an empty body when none is escrowed.
func getBootstrapToken(svc Checkin, r *mdm.Request, m *mdm.GetBootstrapToken) ([]byte, error) {
	token, err := svc.GetBootstrapToken(r, m)
	if err != nil {
		return nil, err
	}
	// NOTE(parity): NanoMDM's key-value backends reply <data></data> for a
	// SetBootstrapToken that carried no token; an empty token here means no
	// token, so the reply is an empty body on every backend.
	if token == nil || len(token.BootstrapToken) == 0 {
		return nil, nil
	}

	reply, err := plist.Marshal(token)
	if err != nil {
		return nil, fmt.Errorf("encoding GetBootstrapToken reply: %w", err)
	}
	return reply, nil
}

// getToken validates the message before calling svc and replies with a
// plist that contains the TokenData.
func getToken(svc Checkin, r *mdm.Request, m *mdm.GetToken) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("validating GetToken: %w", err)
	}

	resp, err := svc.GetToken(r, m)
	if err != nil {
		return nil, err
	}
	if resp == nil {
		return nil, ErrNoGetTokenResponse
	}

	reply, err := plist.Marshal(resp)
	if err != nil {
		return nil, fmt.Errorf("encoding GetToken reply: %w", err)
	}
	return reply, nil
}

// CommandAndReportResultsRequest decodes a command report body, passes it
// to svc and returns the raw bytes of the next command exactly as they
// were enqueued, or nil when none is pending.
//
// Decoding errors wrap an *[mdm.ParseError] or
// [mdm.ErrInvalidCommandResult], and the HTTP layer maps both to 400.
// Errors from svc are returned unchanged.
func CommandAndReportResultsRequest(svc CommandAndReportResults, r *mdm.Request, body []byte) ([]byte, error) {
	report, err := mdm.DecodeCommandResults(body)
	if err != nil {
		return nil, fmt.Errorf("decoding command report: %w", err)
	}

	cmd, err := svc.CommandAndReportResults(r, report)
	if err != nil {
		return nil, err
	}
	if cmd == nil {
		return nil, nil
	}
	return cmd.Raw.Raw, nil
}
