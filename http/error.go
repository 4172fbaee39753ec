package http

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
)

// ErrorStatus returns the HTTP status code for err:
//   - a body over the cap ([http.MaxBytesError]) is 413;
//   - a body that did not decode ([mdm.ParseError]) or a command report
//     without a Status ([mdm.ErrInvalidCommandResult]) is 400;
//   - a [service.HTTPStatusError] is its own status;
//   - anything else is 500.
//
// A nil err is 200.
func ErrorStatus(err error) int {
	var maxBytesErr *http.MaxBytesError
	var parseErr *mdm.ParseError
	var statusErr *service.HTTPStatusError
	switch {
	case err == nil:
		return http.StatusOK
	case errors.As(err, &maxBytesErr):
		return http.StatusRequestEntityTooLarge
	case errors.As(err, &parseErr), errors.Is(err, mdm.ErrInvalidCommandResult):
		return http.StatusBadRequest
	case errors.As(err, &statusErr):
		return statusErr.Status
	}
	return http.StatusInternalServerError
}

// WriteError responds to the request with status and its standard reason
// phrase as a plain-text body, the way [http.Error] does, and logs err with
// msg at a level chosen by [LogLevel]. Extra args (slog key/value pairs)
// go on the log line before the status and the error. Clients only ever
// see the reason phrase; the detail stays in the log.
func WriteError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, status int, msg string, err error, args ...any) {
	args = append(args, log.KeyHTTPStatus, status, log.KeyErr, err)
	log.From(r.Context(), logger).Log(r.Context(), LogLevel(status), msg, args...)
	http.Error(w, http.StatusText(status), status)
}

// LogLevel returns the level for a request that ended with status: error
// for 5xx, warn for 4xx and info otherwise.
//
// NOTE(parity): NanoMDM logs every such error at info.
func LogLevel(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status >= 400:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}
