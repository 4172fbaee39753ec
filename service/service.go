// Package service declares the MDM service interfaces that sit between
// the HTTP handlers and storage, and the adapters that decode a request
// body and call the matching method. Each middleware is a subpackage that
// wraps a service: nanomdm (the core), certauth, multi, dump, webhook and
// dmhook.
//
// The check-in messages are described at
// https://developer.apple.com/documentation/devicemanagement/check-in
package service

import (
	"github.com/mdmforge/nanomdm/mdm"
)

// Checkin handles each check-in message type. Methods that reply with
// bytes return the exact body to send; nil means an empty 200.
type Checkin interface {
	Authenticate(r *mdm.Request, msg *mdm.Authenticate) error
	TokenUpdate(r *mdm.Request, msg *mdm.TokenUpdate) error
	CheckOut(r *mdm.Request, msg *mdm.CheckOut) error
	SetBootstrapToken(r *mdm.Request, msg *mdm.SetBootstrapToken) error
	GetBootstrapToken(r *mdm.Request, msg *mdm.GetBootstrapToken) (*mdm.BootstrapToken, error)
	UserAuthenticate(r *mdm.Request, msg *mdm.UserAuthenticate) ([]byte, error)
	DeclarativeManagement(r *mdm.Request, msg *mdm.DeclarativeManagement) ([]byte, error)
	GetToken(r *mdm.Request, msg *mdm.GetToken) (*mdm.GetTokenResponse, error)
}

// CommandAndReportResults handles a command report and returns the next
// command to send, or nil when none is pending.
type CommandAndReportResults interface {
	CommandAndReportResults(r *mdm.Request, results *mdm.CommandResults) (*mdm.Command, error)
}

// CheckinAndCommandService is a complete MDM service.
type CheckinAndCommandService interface {
	Checkin
	CommandAndReportResults
}

// DeclarativeManagement handles DeclarativeManagement check-ins, usually
// by forwarding them to a DM server.
type DeclarativeManagement interface {
	DeclarativeManagement(r *mdm.Request, msg *mdm.DeclarativeManagement) ([]byte, error)
}

// UserAuthenticate handles UserAuthenticate check-ins.
type UserAuthenticate interface {
	UserAuthenticate(r *mdm.Request, msg *mdm.UserAuthenticate) ([]byte, error)
}

// GetToken handles GetToken check-ins.
type GetToken interface {
	GetToken(r *mdm.Request, msg *mdm.GetToken) (*mdm.GetTokenResponse, error)
}
