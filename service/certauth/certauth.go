// Package certauth binds each enrollment to the identity certificate it
// enrolled with, so that one device cannot send messages for another.
// Bindings are keyed by the device channel ID, so a user channel is checked
// against the certificate of its device.
package certauth

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/mdmforge/nanomdm/cryptoutil"
	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
	"github.com/mdmforge/nanomdm/storage"
)

// Errors that deny a message. The service wraps them with "cert auth: new
// enrollment: " for Authenticate and "cert auth: existing enrollment: "
// for every other message.
var (
	ErrMissingCert   = errors.New("missing MDM certificate")
	ErrCertReuse     = errors.New("cert re-use not permitted")
	ErrNotAssociated = errors.New("enrollment not associated with cert")
)

// Formats that wrap a denial, naming which check failed.
const (
	newEnrollmentFormat      = "cert auth: new enrollment: %w"
	existingEnrollmentFormat = "cert auth: existing enrollment: %w"
)

// Log keys specific to certificate binding.
const (
	keyEnrollment = "enrollment"
	keyHash       = "hash"
)

// CertAuth checks the identity certificate of every message before passing
// it to the next service, and denies the message with an error otherwise,
// in which case nothing downstream runs. It implements
// [service.CheckinAndCommandService] and is safe for concurrent use when
// its store and next service are.
type CertAuth struct {
	next   service.CheckinAndCommandService
	store  storage.CertAuthStore
	logger *slog.Logger
	retro  bool
}

// Option configures a [CertAuth].
type Option func(*CertAuth)

// WithLogger sets the logger. Lines carry service=certauth and the
// request keys found on the request context.
func WithLogger(logger *slog.Logger) Option {
	return func(c *CertAuth) { c.logger = logger }
}

// WithRetroactive lets an enrollment that has no binding at all bind the
// certificate of any message, as long as that certificate was never bound
// before. It serves enrollments migrated from another server, which never
// sent an Authenticate here.
func WithRetroactive() Option {
	return func(c *CertAuth) { c.retro = true }
}

// New returns a CertAuth that checks bindings in store and passes allowed
// messages to next. By default it logs nothing and denies every message
// other than Authenticate from an enrollment without a current binding. It
// panics when next or store is nil.
func New(next service.CheckinAndCommandService, store storage.CertAuthStore, opts ...Option) *CertAuth {
	if next == nil || store == nil {
		panic("certauth: nil next service or store")
	}
	c := &CertAuth{next: next, store: store, logger: log.Nop()}
	for _, opt := range opts {
		opt(c)
	}
	c.logger = c.logger.With(log.KeyService, "certauth")
	if c.retro {
		c.logger.Info("allowing retroactive associations")
	}
	return c
}

// deviceRequest returns a copy of r whose enrollment ID is the device
// channel of e, and the hash of r's certificate.
func deviceRequest(r *mdm.Request, e *mdm.Enrollment) (*mdm.Request, string, error) {
	if r.Certificate == nil {
		return nil, "", ErrMissingCert
	}
	id := e.DeviceChannel()
	if id == nil {
		return nil, "", mdm.ErrNoEnrollmentID
	}
	if err := id.Validate(); err != nil {
		return nil, "", err
	}

	dr := r.Clone()
	dr.EnrollID = id
	return dr, cryptoutil.CertHash(r.Certificate), nil
}

// validateNew checks the certificate of an Authenticate. A hash never seen
// before is bound to the device. A hash bound to this device before is
// made its current binding again. A hash bound to another device is
// denied.
func (c *CertAuth) validateNew(r *mdm.Request, e *mdm.Enrollment) error {
	dr, hash, err := deviceRequest(r, e)
	if err != nil {
		return err
	}
	logger := log.From(dr.Context, c.logger).With(keyEnrollment, "new", log.KeyID, dr.ID, keyHash, hash)

	known, err := c.store.HasCertHash(dr, hash)
	if err != nil {
		return fmt.Errorf("checking cert hash: %w", err)
	}
	if known {
		owner, err := c.store.EnrollmentFromHash(dr.Context, hash)
		if err != nil {
			return fmt.Errorf("looking up enrollment of cert hash: %w", err)
		}
		if owner != dr.ID {
			logger.Info("cert hash exists")
			return ErrCertReuse
		}
		current, err := c.store.IsCertHashAssociated(dr, hash)
		if err != nil {
			return fmt.Errorf("checking cert association: %w", err)
		}
		if current {
			return nil
		}
		// NOTE(parity): NanoMDM's key-value backends deny an earlier
		// certificate of the same enrollment for ever. It may be bound
		// again here, because it belongs to no other enrollment.
	}

	if err := c.store.AssociateCertHash(dr, hash); err != nil {
		return fmt.Errorf("associating cert hash: %w", err)
	}
	logger.Info("cert associated")
	return nil
}

// validateExisting checks the certificate of every message other than
// Authenticate: it must be the current binding of the device, unless
// retroactive binding applies.
func (c *CertAuth) validateExisting(r *mdm.Request, e *mdm.Enrollment) error {
	dr, hash, err := deviceRequest(r, e)
	if err != nil {
		return err
	}

	// NOTE(parity): NanoMDM's SQL backends keep accepting every
	// certificate an enrollment was ever bound to. Only the current
	// binding, made by the latest Authenticate, passes here.
	current, err := c.store.IsCertHashAssociated(dr, hash)
	if err != nil {
		return fmt.Errorf("checking cert association: %w", err)
	}
	if current {
		return nil
	}

	// The logger is built only here, because a request that passes the
	// check above logs nothing and should not pay for it.
	logger := log.From(dr.Context, c.logger).With(keyEnrollment, "existing", log.KeyID, dr.ID)
	if !c.retro {
		logger.Info("no cert association", keyHash, hash)
		return ErrNotAssociated
	}
	return c.bindRetroactively(dr, hash, logger)
}

// bindRetroactively binds hash to the device of dr when neither has any
// binding yet.
func (c *CertAuth) bindRetroactively(dr *mdm.Request, hash string, logger *slog.Logger) error {
	hasAny, err := c.store.EnrollmentHasCertHash(dr, hash)
	if err != nil {
		return fmt.Errorf("checking enrollment cert hashes: %w", err)
	}
	if hasAny {
		logger.Info("enrollment cannot have associated cert hash")
		return ErrCertReuse
	}

	known, err := c.store.HasCertHash(dr, hash)
	if err != nil {
		return fmt.Errorf("checking cert hash: %w", err)
	}
	if known {
		logger.Info("cert hash exists", keyHash, hash)
		return ErrCertReuse
	}

	if err := c.store.AssociateCertHash(dr, hash); err != nil {
		return fmt.Errorf("associating cert hash: %w", err)
	}
	logger.Info("cert associated", keyHash, hash)
	return nil
}
