package http

import (
	"log/slog"
	"net"
	"net/http"

	"github.com/mdmforge/nanomdm/log"
)

// TraceLogging gives every request a new trace ID (see [log.NewTraceID])
// on its context and writes one access line per request before next runs,
// so requests that end in a 404 are logged too. The line carries the
// remote IP without its port, the method, the decoded path, the
// User-Agent and, when the client sent one, X-Forwarded-For.
func TraceLogging(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := log.WithTraceID(r.Context(), log.NewTraceID())

		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		args := []any{
			"addr", host,
			"method", r.Method,
			"path", r.URL.Path,
			"agent", r.UserAgent(),
		}
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			args = append(args, "x_forwarded_for", xff)
		}
		// NOTE(parity): NanoMDM's access line has no message at all.
		log.From(ctx, logger).InfoContext(ctx, "http request", args...)

		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// LimitBody caps every request body at limit bytes with
// [http.MaxBytesReader]. Reading past the cap fails with a
// [*http.MaxBytesError], which [ErrorStatus] maps to 413. A limit of zero
// or less leaves bodies uncapped.
//
// NOTE(parity): NanoMDM reads every body without a limit.
func LimitBody(limit int64, next http.Handler) http.Handler {
	if limit <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}
