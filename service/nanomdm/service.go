// Package nanomdm is the core MDM service: it resolves each message's
// enrollment ID, records check-ins and command reports in storage, and
// hands out the next queued command. DeclarativeManagement, UserAuthenticate
// and GetToken check-ins are passed to optional handlers; this package also
// provides the UserAuthenticate policies and a GetToken multiplexer.
package nanomdm

import (
	"context"
	"log/slog"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
	"github.com/mdmforge/nanomdm/storage"
)

// Service is the core MDM service. It implements
// [service.CheckinAndCommandService] and is safe for concurrent use when
// its store and handlers are.
type Service struct {
	store  storage.ServiceStore
	logger *slog.Logger

	dm service.DeclarativeManagement
	ua service.UserAuthenticate
	gt service.GetToken
}

// Option configures a [Service].
type Option func(*Service)

// WithLogger sets the logger. Lines carry service=nanomdm and the request
// keys found on the request context.
func WithLogger(logger *slog.Logger) Option {
	return func(s *Service) { s.logger = logger }
}

// WithDeclarativeManagement sets the handler for DeclarativeManagement
// check-ins, usually a DM webhook.
func WithDeclarativeManagement(dm service.DeclarativeManagement) Option {
	return func(s *Service) { s.dm = dm }
}

// WithUserAuthenticate sets the handler for UserAuthenticate check-ins,
// usually a [UserAuthenticator].
func WithUserAuthenticate(ua service.UserAuthenticate) Option {
	return func(s *Service) { s.ua = ua }
}

// WithGetToken sets the handler for GetToken check-ins, usually a
// [TokenMux].
func WithGetToken(gt service.GetToken) Option {
	return func(s *Service) { s.gt = gt }
}

// New returns a core service that stores through store. By default it
// logs nothing and has no DeclarativeManagement, UserAuthenticate or
// GetToken handler, so those check-ins fail with an error. It panics when
// store is nil.
func New(store storage.ServiceStore, opts ...Option) *Service {
	if store == nil {
		panic("nanomdm: nil store")
	}
	s := &Service{store: store, logger: log.Nop()}
	for _, opt := range opts {
		opt(s)
	}
	s.logger = s.logger.With(log.KeyService, "nanomdm")
	return s
}

// setup resolves the enrollment ID of e, sets it on r in place so later
// services in the chain see it, validates it and adds the id and type log
// keys to r's context. It returns the logger for this request.
func (s *Service) setup(r *mdm.Request, e *mdm.Enrollment) (*slog.Logger, error) {
	if r.Context == nil {
		r.Context = context.Background()
	}
	if r.EnrollID != nil && r.ID != "" {
		log.From(r.Context, s.logger).Debug("overwriting enrollment id", log.KeyID, r.ID)
	}

	id := e.Resolve()
	if id == nil {
		return nil, mdm.ErrNoEnrollmentID
	}
	r.EnrollID = id
	if err := id.Validate(); err != nil {
		return nil, err
	}

	r.Context = log.With(r.Context, log.KeyID, id.ID, log.KeyType, id.Type.String())
	return log.From(r.Context, s.logger), nil
}
