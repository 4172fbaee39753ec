// Package log builds the structured loggers the server uses: log/slog
// writing key=value lines, a no-op logger for libraries that were given
// none, and helpers that carry request keys (trace_id, id, type) on a
// context so every line of one request shows them.
package log

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"time"
)

// Stable log keys. Components use these names so operators can grep for
// them across releases.
const (
	KeyMsg         = "msg"
	KeyErr         = "err"
	KeyID          = "id"
	KeyType        = "type"
	KeyHandler     = "handler"
	KeyService     = "service"
	KeyStorage     = "storage"
	KeyCommandUUID = "command_uuid"
	KeyRequestType = "request_type"
	KeyHTTPStatus  = "http_status"
	KeyTraceID     = "trace_id"
	KeyDuration    = "duration"
)

// New returns a logger writing one key=value line per event to w, with
// the time under "ts" (RFC 3339, seconds) and lowercase levels as NanoMDM
// prints them. Debug lines are written only when debug is true.
func New(w io.Writer, debug bool) *slog.Logger {
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	h := slog.NewTextHandler(w, &slog.HandlerOptions{
		Level:       level,
		ReplaceAttr: replaceAttr,
	})
	return slog.New(h)
}

func replaceAttr(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 {
		return a
	}
	switch a.Key {
	case slog.TimeKey:
		return slog.String("ts", a.Value.Time().Format(time.RFC3339))
	case slog.LevelKey:
		return slog.String("level", strings.ToLower(a.Value.String()))
	}
	return a
}

// Nop returns a logger that discards everything. Libraries use it when
// their caller passed no logger.
func Nop() *slog.Logger {
	return slog.New(slog.DiscardHandler)
}

type ctxKey struct{}

// With returns a copy of ctx that carries args (alternating keys and
// values, as slog takes them) in addition to any it already carries.
func With(ctx context.Context, args ...any) context.Context {
	prev, _ := ctx.Value(ctxKey{}).([]any)
	merged := make([]any, 0, len(prev)+len(args))
	merged = append(merged, prev...)
	merged = append(merged, args...)
	return context.WithValue(ctx, ctxKey{}, merged)
}

// From returns logger with the request keys stored on ctx by [With].
func From(ctx context.Context, logger *slog.Logger) *slog.Logger {
	if ctx == nil {
		return logger
	}
	args, _ := ctx.Value(ctxKey{}).([]any)
	if len(args) == 0 {
		return logger
	}
	return logger.With(args...)
}
