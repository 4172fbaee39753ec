package main

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/mdmforge/nanomdm/cmd/internal/cli"
	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/push/apns"
	"github.com/mdmforge/nanomdm/storage"
)

// HTTP server timeouts.
//
// NOTE(parity): NanoMDM sets none, so a slow or stalled client can hold
// a connection for ever.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	// writeTimeout bounds a whole response, so it leaves room for an
	// enqueue that pushes to many devices.
	writeTimeout = 5 * time.Minute
	// requestTimeout cancels a request's context shortly before
	// writeTimeout, so that pushes to an APNs service that stops
	// responding end while the response can still be written.
	requestTimeout = writeTimeout - 15*time.Second
	idleTimeout    = 2 * time.Minute

	// shutdownTimeout bounds how long in-flight requests, webhooks and
	// pushes may take to finish after SIGINT or SIGTERM.
	shutdownTimeout = 30 * time.Second
)

// dependencies holds the parts of the server that tests replace: the dump
// output and the clients of outbound services.
type dependencies struct {
	// stdout receives -dump output.
	stdout io.Writer

	// httpClient, when not nil, sends webhooks and Declarative
	// Management requests.
	httpClient *http.Client

	// apnsOptions are added after the APNs base URL, for example to
	// trust a local APNs mock.
	apnsOptions []apns.Option

	// escrowTLS, when not nil, is the base TLS configuration of escrow
	// key unlock requests.
	escrowTLS *tls.Config

	// requestTimeout, when positive, replaces the default requestTimeout.
	requestTimeout time.Duration
}

// server is a configured nanomdm: its storage, services and routes.
type server struct {
	cfg     *config
	logger  *slog.Logger
	handler http.Handler
	store   storage.AllStorage

	// drains finish background work (webhooks) before storage closes.
	drains []func(ctx context.Context) error
}

// run serves HTTP on cfg.listen until ctx ends, then shuts down: it stops
// accepting, waits for in-flight requests, drains background work and
// closes storage, all within shutdownTimeout.
func (s *server) run(ctx context.Context) {
	s.logger.Info("starting server", "listen", s.cfg.listen)
	srv := &http.Server{
		Addr:              s.cfg.listen,
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()

	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		err = context.Cause(ctx)
	}
	// NOTE(parity): NanoMDM exits at once on a signal and without any
	// shutdown work; both exit 0 after logging the reason.
	s.logger.Info("server shutdown", log.KeyErr, err)

	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.logger.Warn("shutting down http server", log.KeyErr, err)
	}
	s.close(shutdownCtx)
}

// close drains background work and then closes storage.
func (s *server) close(ctx context.Context) {
	for _, drain := range s.drains {
		if err := drain(ctx); err != nil {
			s.logger.Warn("draining background work", log.KeyErr, err)
		}
	}
	if err := cli.Close(s.store); err != nil {
		s.logger.Warn("closing storage", log.KeyErr, err)
	}
}
