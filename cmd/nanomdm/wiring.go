package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/mdmforge/nanomdm/cryptoutil"
	"github.com/mdmforge/nanomdm/log"
)

// Start-up errors, worded as NanoMDM words them.
var (
	errNothingToDo = errors.New("nothing for server to do")
	errNoCA        = errors.New("must supply CA cert path flag")
)

// newServer checks cfg and builds storage, services and routes in
// NanoMDM's start-up order, so the first problem reported is the one
// NanoMDM would report. Errors are meant to be printed as they are.
func newServer(cfg *config, logger *slog.Logger, deps dependencies) (*server, error) {
	if cfg.maxBodyBytes < 1 {
		return nil, fmt.Errorf("invalid -max-body-bytes %d: must be at least 1", cfg.maxBodyBytes)
	}
	if cfg.disableMDM && cfg.api == "" {
		return nil, errNothingToDo
	}
	if cfg.caPath == "" {
		return nil, errNoCA
	}
	verifier, err := newVerifier(cfg.caPath, cfg.intermediate)
	if err != nil {
		return nil, err
	}

	store, err := cfg.storage.Open(logger)
	if err != nil {
		return nil, err
	}
	s := &server{cfg: cfg, logger: logger, store: store}

	dmURL, err := parseDMURL(cfg.dmURL, logger)
	if err != nil {
		s.close(context.Background())
		return nil, err
	}
	if err := s.buildHandler(verifier, dmURL, deps); err != nil {
		s.close(context.Background())
		return nil, err
	}
	return s, nil
}

// newVerifier reads the root and intermediate CA files. An empty
// intermediate path means no intermediates.
func newVerifier(caPath, intermediatePath string) (*cryptoutil.Verifier, error) {
	roots, err := os.ReadFile(caPath)
	if err != nil {
		return nil, err
	}
	var intermediates []byte
	if intermediatePath != "" {
		if intermediates, err = os.ReadFile(intermediatePath); err != nil {
			return nil, err
		}
	}
	return cryptoutil.NewVerifier(roots, intermediates)
}

// parseDMURL parses the -dm base URL, or returns nil when it is empty.
// A base without a trailing slash is logged, because the last segment of
// its path is then replaced by each Endpoint.
func parseDMURL(raw string, logger *slog.Logger) (*url.URL, error) {
	if raw == "" {
		return nil, nil
	}
	msg := "declarative management setup"
	if !strings.HasSuffix(raw, "/") {
		msg += ": warning: URL has no trailing slash"
	}
	logger.Debug(msg, "url", raw)
	return url.Parse(raw)
}

// parseAuthProxyURL parses the -auth-proxy-url target.
func parseAuthProxyURL(raw string, logger *slog.Logger) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	logger.Debug("authproxy setup", "url", raw)
	return u, nil
}

// handlerLogger returns logger tagged with the handler key.
func handlerLogger(logger *slog.Logger, name string) *slog.Logger {
	return logger.With(log.KeyHandler, name)
}
