package mdm

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	nanohttp "github.com/mdmforge/nanomdm/http"
	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
)

// CheckinContentType is the Content-Type prefix that marks a request on
// the combined endpoint as a check-in. The match is case-sensitive, as
// with NanoMDM, so parameters such as "; charset=utf-8" may follow.
const CheckinContentType = "application/x-apple-aspen-mdm-checkin"

// Log messages of the handlers, kept stable for operators who grep them.
const (
	msgCheckin = "check-in request"
	msgCommand = "command report results"
)

// handleFunc decodes body for r, calls a service and returns the reply.
type handleFunc func(r *mdm.Request, body []byte) ([]byte, error)

// CheckinHandler treats every request as a check-in message and passes
// it to svc.
func CheckinHandler(svc service.Checkin, opts ...Option) http.Handler {
	logger := newConfig(opts).logger
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, logger, msgCheckin, checkinFunc(svc))
	})
}

// CommandAndReportResultsHandler treats every request as a command report
// and responds with the next queued command.
func CommandAndReportResultsHandler(svc service.CommandAndReportResults, opts ...Option) http.Handler {
	logger := newConfig(opts).logger
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, logger, msgCommand, commandFunc(svc))
	})
}

// CheckinAndCommandHandler serves both kinds of request on one route: a
// request whose Content-Type starts with [CheckinContentType] is a
// check-in, and any other is a command report.
func CheckinAndCommandHandler(svc service.CheckinAndCommandService, opts ...Option) http.Handler {
	logger := newConfig(opts).logger
	checkin, command := checkinFunc(svc), commandFunc(svc)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("Content-Type"), CheckinContentType) {
			serve(w, r, logger, msgCheckin, checkin)
			return
		}
		serve(w, r, logger, msgCommand, command)
	})
}

// MigrationHandler takes check-in messages from another server (the
// nano2nano tool) and passes them to svc with no identity certificate.
// It runs no certificate checks, so it belongs behind API authentication
// and in front of the core service only: no certauth, webhook or dump.
func MigrationHandler(svc service.Checkin, opts ...Option) http.Handler {
	return CheckinHandler(svc, opts...)
}

func checkinFunc(svc service.Checkin) handleFunc {
	return func(r *mdm.Request, body []byte) ([]byte, error) {
		return service.CheckinRequest(svc, r, body)
	}
}

func commandFunc(svc service.CommandAndReportResults) handleFunc {
	return func(r *mdm.Request, body []byte) ([]byte, error) {
		return service.CommandAndReportResultsRequest(svc, r, body)
	}
}

// serve reads the body, builds the MDM request and writes the reply of
// handle, or the error status it maps to.
func serve(w http.ResponseWriter, r *http.Request, logger *slog.Logger, msg string, handle handleFunc) {
	body, err := readBody(r)
	if err != nil {
		nanohttp.WriteError(w, r, logger, nanohttp.ErrorStatus(err), "reading body", err)
		return
	}

	reply, err := handle(newRequest(r), body)
	if err != nil {
		var parseErr *mdm.ParseError
		if errors.As(err, &parseErr) {
			// NOTE(parity): NanoMDM puts the raw body on the error line at
			// info level. It may hold unlock or bootstrap tokens, so it is
			// logged only at debug level here.
			log.From(r.Context(), logger).DebugContext(r.Context(), msg, "content", string(parseErr.Content))
		}
		nanohttp.WriteError(w, r, logger, nanohttp.ErrorStatus(err), msg, err)
		// NanoMDM still writes the bytes a failed service returned. Only
		// the DM hook returns any: the upstream body of a non-200 response
		// then follows the error text.
	}
	if len(reply) > 0 {
		if _, err := w.Write(reply); err != nil {
			log.From(r.Context(), logger).DebugContext(r.Context(), "writing reply", log.KeyErr, err)
		}
	}
}

// newRequest returns the MDM request for r: its context, the identity
// certificate found by the middleware and the first value of each URL
// query key.
func newRequest(r *http.Request) *mdm.Request {
	req := mdm.NewRequest(r.Context(), Certificate(r.Context()))
	if r.URL.RawQuery == "" {
		return req
	}
	query := r.URL.Query()
	if len(query) > 0 {
		req.Params = make(map[string]string, len(query))
		for key, values := range query {
			req.Params[key] = values[0]
		}
	}
	return req
}
