package certauth

import (
	"fmt"

	"github.com/mdmforge/nanomdm/mdm"
)

// checkNew wraps the result of validateNew for the caller.
func (c *CertAuth) checkNew(r *mdm.Request, e *mdm.Enrollment) error {
	if err := c.validateNew(r, e); err != nil {
		return fmt.Errorf(newEnrollmentFormat, err)
	}
	return nil
}

// checkExisting wraps the result of validateExisting for the caller.
func (c *CertAuth) checkExisting(r *mdm.Request, e *mdm.Enrollment) error {
	if err := c.validateExisting(r, e); err != nil {
		return fmt.Errorf(existingEnrollmentFormat, err)
	}
	return nil
}

// Authenticate binds the certificate to the device as a new enrollment,
// then passes the message on.
func (c *CertAuth) Authenticate(r *mdm.Request, msg *mdm.Authenticate) error {
	if err := c.checkNew(r, &msg.Enrollment); err != nil {
		return err
	}
	return c.next.Authenticate(r, msg)
}

// TokenUpdate checks the binding, then passes the message on.
func (c *CertAuth) TokenUpdate(r *mdm.Request, msg *mdm.TokenUpdate) error {
	if err := c.checkExisting(r, &msg.Enrollment); err != nil {
		return err
	}
	return c.next.TokenUpdate(r, msg)
}

// CheckOut checks the binding, then passes the message on.
func (c *CertAuth) CheckOut(r *mdm.Request, msg *mdm.CheckOut) error {
	if err := c.checkExisting(r, &msg.Enrollment); err != nil {
		return err
	}
	return c.next.CheckOut(r, msg)
}

// SetBootstrapToken checks the binding, then passes the message on.
func (c *CertAuth) SetBootstrapToken(r *mdm.Request, msg *mdm.SetBootstrapToken) error {
	if err := c.checkExisting(r, &msg.Enrollment); err != nil {
		return err
	}
	return c.next.SetBootstrapToken(r, msg)
}

// GetBootstrapToken checks the binding, then passes the message on.
func (c *CertAuth) GetBootstrapToken(r *mdm.Request, msg *mdm.GetBootstrapToken) (*mdm.BootstrapToken, error) {
	if err := c.checkExisting(r, &msg.Enrollment); err != nil {
		return nil, err
	}
	return c.next.GetBootstrapToken(r, msg)
}

// UserAuthenticate checks the binding, then passes the message on.
func (c *CertAuth) UserAuthenticate(r *mdm.Request, msg *mdm.UserAuthenticate) ([]byte, error) {
	if err := c.checkExisting(r, &msg.Enrollment); err != nil {
		return nil, err
	}
	return c.next.UserAuthenticate(r, msg)
}

// DeclarativeManagement checks the binding, then passes the message on.
func (c *CertAuth) DeclarativeManagement(r *mdm.Request, msg *mdm.DeclarativeManagement) ([]byte, error) {
	if err := c.checkExisting(r, &msg.Enrollment); err != nil {
		return nil, err
	}
	return c.next.DeclarativeManagement(r, msg)
}

// GetToken checks the binding, then passes the message on.
func (c *CertAuth) GetToken(r *mdm.Request, msg *mdm.GetToken) (*mdm.GetTokenResponse, error) {
	if err := c.checkExisting(r, &msg.Enrollment); err != nil {
		return nil, err
	}
	return c.next.GetToken(r, msg)
}

// CommandAndReportResults checks the binding, then passes the report on.
func (c *CertAuth) CommandAndReportResults(r *mdm.Request, results *mdm.CommandResults) (*mdm.Command, error) {
	if err := c.checkExisting(r, &results.Enrollment); err != nil {
		return nil, err
	}
	return c.next.CommandAndReportResults(r, results)
}
