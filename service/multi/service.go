package multi

import (
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
)

// Authenticate calls every service with msg and returns the first one's
// error.
func (m *MultiService) Authenticate(r *mdm.Request, msg *mdm.Authenticate) error {
	err := m.svcs[0].Authenticate(r, msg)
	m.runOthers(r, func(svc service.CheckinAndCommandService, r *mdm.Request) error {
		return svc.Authenticate(r, msg)
	})
	return err
}

// TokenUpdate calls every service with msg and returns the first one's
// error.
func (m *MultiService) TokenUpdate(r *mdm.Request, msg *mdm.TokenUpdate) error {
	err := m.svcs[0].TokenUpdate(r, msg)
	m.runOthers(r, func(svc service.CheckinAndCommandService, r *mdm.Request) error {
		return svc.TokenUpdate(r, msg)
	})
	return err
}

// CheckOut calls every service with msg and returns the first one's error.
func (m *MultiService) CheckOut(r *mdm.Request, msg *mdm.CheckOut) error {
	err := m.svcs[0].CheckOut(r, msg)
	m.runOthers(r, func(svc service.CheckinAndCommandService, r *mdm.Request) error {
		return svc.CheckOut(r, msg)
	})
	return err
}

// SetBootstrapToken calls every service with msg and returns the first
// one's error.
func (m *MultiService) SetBootstrapToken(r *mdm.Request, msg *mdm.SetBootstrapToken) error {
	err := m.svcs[0].SetBootstrapToken(r, msg)
	m.runOthers(r, func(svc service.CheckinAndCommandService, r *mdm.Request) error {
		return svc.SetBootstrapToken(r, msg)
	})
	return err
}

// GetBootstrapToken calls every service with msg and returns the first
// one's results.
func (m *MultiService) GetBootstrapToken(r *mdm.Request, msg *mdm.GetBootstrapToken) (*mdm.BootstrapToken, error) {
	token, err := m.svcs[0].GetBootstrapToken(r, msg)
	m.runOthers(r, func(svc service.CheckinAndCommandService, r *mdm.Request) error {
		_, err := svc.GetBootstrapToken(r, msg)
		return err
	})
	return token, err
}

// UserAuthenticate calls every service with msg and returns the first
// one's results.
func (m *MultiService) UserAuthenticate(r *mdm.Request, msg *mdm.UserAuthenticate) ([]byte, error) {
	reply, err := m.svcs[0].UserAuthenticate(r, msg)
	m.runOthers(r, func(svc service.CheckinAndCommandService, r *mdm.Request) error {
		_, err := svc.UserAuthenticate(r, msg)
		return err
	})
	return reply, err
}

// DeclarativeManagement calls every service with msg and returns the
// first one's results.
func (m *MultiService) DeclarativeManagement(r *mdm.Request, msg *mdm.DeclarativeManagement) ([]byte, error) {
	reply, err := m.svcs[0].DeclarativeManagement(r, msg)
	m.runOthers(r, func(svc service.CheckinAndCommandService, r *mdm.Request) error {
		_, err := svc.DeclarativeManagement(r, msg)
		return err
	})
	return reply, err
}

// GetToken calls every service with msg and returns the first one's
// results.
func (m *MultiService) GetToken(r *mdm.Request, msg *mdm.GetToken) (*mdm.GetTokenResponse, error) {
	resp, err := m.svcs[0].GetToken(r, msg)
	m.runOthers(r, func(svc service.CheckinAndCommandService, r *mdm.Request) error {
		_, err := svc.GetToken(r, msg)
		return err
	})
	return resp, err
}

// CommandAndReportResults calls every service with results and returns
// the first one's next command and error.
func (m *MultiService) CommandAndReportResults(r *mdm.Request, results *mdm.CommandResults) (*mdm.Command, error) {
	cmd, err := m.svcs[0].CommandAndReportResults(r, results)
	m.runOthers(r, func(svc service.CheckinAndCommandService, r *mdm.Request) error {
		_, err := svc.CommandAndReportResults(r, results)
		return err
	})
	return cmd, err
}
