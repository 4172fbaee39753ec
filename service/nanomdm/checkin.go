package nanomdm

import (
	"errors"
	"fmt"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// Errors returned for check-ins whose handler was not configured.
var (
	ErrNoDeclarativeManagement = errors.New("no Declarative Management handler")
	ErrNoUserAuthenticate      = errors.New("no UserAuthenticate handler")
	ErrNoGetToken              = errors.New("no GetToken handler")
)

// Authenticate stores the message, then makes every pending command of the
// device and its user channels undeliverable, then disables the device and
// its user channels until their next TokenUpdate. A step that fails skips
// the steps after it.
func (s *Service) Authenticate(r *mdm.Request, msg *mdm.Authenticate) error {
	logger, err := s.setup(r, &msg.Enrollment)
	if err != nil {
		return err
	}
	if msg.SerialNumber != "" {
		logger.Info(mdm.MessageAuthenticate, "serial_number", msg.SerialNumber)
	} else {
		logger.Info(mdm.MessageAuthenticate)
	}
	if err := deviceChannelOnly(r, mdm.MessageAuthenticate); err != nil {
		return err
	}

	if err := s.store.StoreAuthenticate(r, msg); err != nil {
		return fmt.Errorf("storing Authenticate: %w", err)
	}
	if err := s.store.ClearQueue(r); err != nil {
		return fmt.Errorf("clearing queue: %w", err)
	}
	if err := s.store.Disable(r); err != nil {
		return fmt.Errorf("disabling enrollment: %w", err)
	}
	return nil
}

// TokenUpdate stores the push details and enables the enrollment.
func (s *Service) TokenUpdate(r *mdm.Request, msg *mdm.TokenUpdate) error {
	logger, err := s.setup(r, &msg.Enrollment)
	if err != nil {
		return err
	}
	logger.Info(mdm.MessageTokenUpdate)

	if err := s.store.StoreTokenUpdate(r, msg); err != nil {
		return fmt.Errorf("storing TokenUpdate: %w", err)
	}
	return nil
}

// CheckOut disables the enrollment. On a device channel its user channels
// are disabled too; on a user channel only that channel is.
func (s *Service) CheckOut(r *mdm.Request, msg *mdm.CheckOut) error {
	logger, err := s.setup(r, &msg.Enrollment)
	if err != nil {
		return err
	}
	logger.Info(mdm.MessageCheckOut)

	if err := s.store.Disable(r); err != nil {
		return fmt.Errorf("disabling enrollment: %w", err)
	}
	return nil
}

// SetBootstrapToken escrows the bootstrap token, or clears it when the
// message has none. A user channel gets an error and nothing is stored.
func (s *Service) SetBootstrapToken(r *mdm.Request, msg *mdm.SetBootstrapToken) error {
	logger, err := s.setup(r, &msg.Enrollment)
	if err != nil {
		return err
	}
	logger.Info(mdm.MessageSetBootstrapToken)
	if err := deviceChannelOnly(r, mdm.MessageSetBootstrapToken); err != nil {
		return err
	}

	if err := s.store.StoreBootstrapToken(r, msg); err != nil {
		return fmt.Errorf("storing bootstrap token: %w", err)
	}
	return nil
}

// GetBootstrapToken returns the escrowed bootstrap token, or nil when none
// is escrowed. A user channel gets an error.
func (s *Service) GetBootstrapToken(r *mdm.Request, msg *mdm.GetBootstrapToken) (*mdm.BootstrapToken, error) {
	logger, err := s.setup(r, &msg.Enrollment)
	if err != nil {
		return nil, err
	}
	logger.Info(mdm.MessageGetBootstrapToken)
	if err := deviceChannelOnly(r, mdm.MessageGetBootstrapToken); err != nil {
		return nil, err
	}

	token, err := s.store.RetrieveBootstrapToken(r, msg)
	if err != nil {
		return nil, fmt.Errorf("retrieving bootstrap token: %w", err)
	}
	return token, nil
}

// UserAuthenticate passes the message to the UserAuthenticate handler.
func (s *Service) UserAuthenticate(r *mdm.Request, msg *mdm.UserAuthenticate) ([]byte, error) {
	logger, err := s.setup(r, &msg.Enrollment)
	if err != nil {
		return nil, err
	}
	logger.Info(mdm.MessageUserAuthenticate, "digest_response", msg.DigestResponse != "")

	if s.ua == nil {
		return nil, ErrNoUserAuthenticate
	}
	return s.ua.UserAuthenticate(r, msg)
}

// DeclarativeManagement passes the message to the DeclarativeManagement
// handler and returns its reply, which may come together with an error.
func (s *Service) DeclarativeManagement(r *mdm.Request, msg *mdm.DeclarativeManagement) ([]byte, error) {
	logger, err := s.setup(r, &msg.Enrollment)
	if err != nil {
		return nil, err
	}
	logger.Info(mdm.MessageDeclarativeManagement, "endpoint", msg.Endpoint)

	if s.dm == nil {
		return nil, ErrNoDeclarativeManagement
	}
	return s.dm.DeclarativeManagement(r, msg)
}

// GetToken passes the message to the GetToken handler.
func (s *Service) GetToken(r *mdm.Request, msg *mdm.GetToken) (*mdm.GetTokenResponse, error) {
	logger, err := s.setup(r, &msg.Enrollment)
	if err != nil {
		return nil, err
	}
	logger.Info(mdm.MessageGetToken, "token_service_type", msg.TokenServiceType)

	if s.gt == nil {
		return nil, ErrNoGetToken
	}
	return s.gt.GetToken(r, msg)
}

// deviceChannelOnly returns an error wrapping
// [storage.ErrDeviceChannelOnly] when r names a user channel.
func deviceChannelOnly(r *mdm.Request, messageType string) error {
	if !r.Type.IsUserChannel() {
		return nil
	}
	// NOTE(parity): NanoMDM's SQL backends store a SetBootstrapToken and an
	// Authenticate sent on a user channel before failing; here both fail
	// before anything is stored, on every backend.
	return fmt.Errorf("%s on user channel %q (%s): %w",
		messageType, r.ID, r.Type, storage.ErrDeviceChannelOnly)
}
