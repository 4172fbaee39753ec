package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	nanohttp "github.com/mdmforge/nanomdm/http"
	"github.com/mdmforge/nanomdm/log"
)

// errorBody is the JSON error of the push certificate and escrow routes.
type errorBody struct {
	Error string `json:"error"`
}

// writeJSON sends v as tab-indented JSON with a trailing newline. Go's
// encoder escapes <, > and & as NanoMDM's does.
func writeJSON(w http.ResponseWriter, r *http.Request, logger *slog.Logger, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "\t")
	if err := enc.Encode(v); err != nil {
		log.From(r.Context(), logger).ErrorContext(r.Context(), "encoding json", log.KeyErr, err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if _, err := w.Write(buf.Bytes()); err != nil {
		log.From(r.Context(), logger).InfoContext(r.Context(), "writing body", log.KeyErr, err)
	}
}

// writeJSONError logs err with the failed step as msg and sends it as
// {"error": "..."} with status.
func writeJSONError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, step string, status int, err error) {
	ctx := r.Context()
	log.From(ctx, logger).Log(ctx, nanohttp.LogLevel(status), step, log.KeyHTTPStatus, status, log.KeyErr, err)
	writeJSON(w, r, logger, status, errorBody{Error: err.Error()})
}

// readBody reads the whole request body, failing with a
// [*http.MaxBytesError] past limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	return nanohttp.ReadAll(http.MaxBytesReader(w, r.Body, limit), r.ContentLength)
}

// bodyError returns the status and client error for a failed body read:
// 413 for a body over the cap, else 500.
//
// NOTE(parity): NanoMDM reads bodies without a limit; the 413 is ours.
func bodyError(err error) (int, error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return http.StatusRequestEntityTooLarge,
			fmt.Errorf("reading body: request body larger than the %d-byte limit", tooLarge.Limit)
	}
	return http.StatusInternalServerError, err
}
