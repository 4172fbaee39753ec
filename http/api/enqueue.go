package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	nanohttp "github.com/mdmforge/nanomdm/http"
	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
)

// errEmptyPath is the error for a request path with no IDs after the
// route prefix.
var errEmptyPath = errors.New("getting enrollment ids: empty path")

// idsFromPath splits the decoded path after prefix on commas. Nothing is
// trimmed, so empty and repeated IDs are kept. The second result is false
// when path does not start with prefix.
func idsFromPath(path, prefix string) ([]string, bool, error) {
	rest, ok := strings.CutPrefix(path, prefix)
	if !ok {
		return nil, false, nil
	}
	if rest == "" {
		return nil, true, errEmptyPath
	}
	return strings.Split(rest, ","), true, nil
}

// pathIDs returns the enrollment IDs after prefix in the request path. When
// there are none it writes the response itself and returns false: 404 for
// a path outside prefix, and 400 with the result errResult builds for an
// empty ID list.
func (a *API) pathIDs(w http.ResponseWriter, r *http.Request, logger *slog.Logger, prefix string, errResult func(error) *Result) ([]string, bool) {
	ids, ok, err := idsFromPath(r.URL.Path, prefix)
	if !ok {
		http.NotFound(w, r)
		return nil, false
	}
	if err != nil {
		// NOTE(parity): NanoMDM returns 500 for an empty ID list.
		a.writeResult(w, r, logger, http.StatusBadRequest, errResult(err), err)
		return nil, false
	}
	return ids, true
}

// PushHandler returns the handler that pushes to the enrollment IDs after
// prefix (normally [PushPrefix]) in the request path, for any method.
func (a *API) PushHandler(prefix string) http.Handler {
	logger := a.handlerLogger("push")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ids, ok := a.pathIDs(w, r, logger, prefix, func(err error) *Result {
			return &Result{PushError: err.Error()}
		})
		if !ok {
			return
		}
		res := &Result{}
		a.push(r.Context(), logger, res, ids)
		a.writeResult(w, r, logger, res.statusCode(ids), res, nil)
	})
}

// EnqueueHandler returns the handler that enqueues the command plist in
// the request body for the enrollment IDs after prefix (normally
// [EnqueuePrefix]) and pushes to them, for any method. A non-empty
// ?nopush value, even "0", skips the push. An empty body only pushes.
func (a *API) EnqueueHandler(prefix string) http.Handler {
	logger := a.handlerLogger("enqueue")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ids, ok := a.pathIDs(w, r, logger, prefix, func(err error) *Result {
			return &Result{CommandError: err.Error()}
		})
		if !ok {
			return
		}

		body, err := readBody(w, r, a.maxBodySize)
		if err != nil {
			status, clientErr := bodyError(err)
			res := &Result{CommandError: clientErr.Error()}
			if status == http.StatusInternalServerError {
				// NanoMDM loses the error of a failed read and sends this.
				res = &Result{PushError: "nil API result", CommandError: "nil API result"}
			}
			a.writeResult(w, r, logger, status, res, fmt.Errorf("reading body: %w", err))
			return
		}

		noPush := r.URL.Query().Get("nopush") != ""
		res, status, err := a.enqueueWithPush(r.Context(), logger, ids, body, noPush)
		if err != nil {
			logIDs(r.Context(), logger, "enqueueing", ids, err)
		}
		a.writeResult(w, r, logger, status, res, nil)
	})
}

// enqueueWithPush decodes and enqueues the command in body, unless body
// is empty, then pushes unless noPush is set or the enqueue failed as a
// whole. The error is the client's mistake, also recorded in the result.
func (a *API) enqueueWithPush(ctx context.Context, logger *slog.Logger, ids []string, body []byte, noPush bool) (*Result, int, error) {
	var cmd *mdm.Command
	if len(body) > 0 {
		var err error
		if cmd, err = mdm.DecodeCommand(body); err != nil {
			err = fmt.Errorf("decoding command: %s", commandErrorText(err))
			// NOTE(parity): NanoMDM returns 500 for a body that is not a
			// command. Ours returns 400 because the client sent it.
			return &Result{CommandError: err.Error()}, http.StatusBadRequest, err
		}
	}

	res := &Result{NoPush: noPush}
	if cmd == nil && noPush {
		err := errors.New("must enqueue or push")
		res.CommandError = err.Error()
		// NOTE(parity): NanoMDM returns 500 here, and ours 400.
		return res, http.StatusBadRequest, err
	}
	if cmd != nil {
		a.enqueue(ctx, logger, res, cmd, ids)
	}
	// Like NanoMDM, this pushes to every ID, including ones whose enqueue
	// failed.
	if !noPush && res.CommandError == "" {
		a.push(ctx, logger, res, ids)
	}
	return res, res.statusCode(ids), nil
}

// commandErrorText describes a command decoding error the way NanoMDM
// does: a plist syntax error is followed by the whole raw body.
func commandErrorText(err error) string {
	var parseErr *mdm.ParseError
	if errors.As(err, &parseErr) {
		return fmt.Sprintf("%v: raw content: %s", parseErr, parseErr.Content)
	}
	return err.Error()
}

// writeResult logs a handler-level failure, if any, and sends res.
func (a *API) writeResult(w http.ResponseWriter, r *http.Request, logger *slog.Logger, status int, res *Result, err error) {
	if err != nil {
		ctx := r.Context()
		log.From(ctx, logger).Log(ctx, nanohttp.LogLevel(status), "request failed", log.KeyHTTPStatus, status, log.KeyErr, err)
	}
	writeJSON(w, r, logger, status, res)
}

// logIDs logs msg with the ID count, the first ID and err.
func logIDs(ctx context.Context, logger *slog.Logger, msg string, ids []string, err error) {
	log.From(ctx, logger).WarnContext(ctx, msg, append(summaryArgs(ids), log.KeyErr, err)...)
}
