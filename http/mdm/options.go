package mdm

import (
	"log/slog"

	"github.com/mdmforge/nanomdm/log"
)

// Option configures the handlers and middleware of this package.
type Option func(*config)

type config struct {
	logger *slog.Logger
}

// WithLogger sets the logger for errors and debug lines. The default
// discards them.
func WithLogger(logger *slog.Logger) Option {
	return func(c *config) {
		c.logger = logger
	}
}

func newConfig(opts []Option) *config {
	c := &config{logger: log.Nop()}
	for _, opt := range opts {
		opt(c)
	}
	return c
}
