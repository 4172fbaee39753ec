package api

import (
	"errors"
	"net/http"

	"github.com/mdmforge/nanomdm/push"
	pushsvc "github.com/mdmforge/nanomdm/push/service"
	"github.com/mdmforge/nanomdm/storage"
)

// Result is the JSON body of the push and enqueue routes. Members keep
// this order and are left out when empty.
type Result struct {
	// Status holds the result of each enrollment ID that got one. JSON
	// sorts its keys.
	Status map[string]*EnrollmentResult `json:"status,omitempty"`

	// NoPush is true when the request disabled pushing with ?nopush.
	NoPush bool `json:"no_push,omitempty"`

	// PushError is a push failure not tied to one ID.
	PushError string `json:"push_error,omitempty"`

	// CommandError is an enqueue or decoding failure not tied to one ID.
	CommandError string `json:"command_error,omitempty"`

	// CommandUUID and RequestType describe the decoded command.
	CommandUUID string `json:"command_uuid,omitempty"`
	RequestType string `json:"request_type,omitempty"`
}

// EnrollmentResult is the outcome for one enrollment ID.
type EnrollmentResult struct {
	// PushError is the reason the push to this ID failed.
	PushError string `json:"push_error,omitempty"`

	// PushResult is the apns-id APNs returned, present even with a
	// PushError when APNs sent one.
	PushResult string `json:"push_result,omitempty"`

	// CommandError is the reason the command was not enqueued for this
	// ID.
	CommandError string `json:"command_error,omitempty"`

	// unknown counts errors that mean the ID is not enrolled, and failed
	// counts any other errors.
	unknown, failed int
}

func (e *EnrollmentResult) hasError() bool {
	return e.PushError != "" || e.CommandError != ""
}

// entry returns the result for id, adding it when missing.
func (r *Result) entry(id string) *EnrollmentResult {
	if r.Status == nil {
		r.Status = make(map[string]*EnrollmentResult)
	}
	e := r.Status[id]
	if e == nil {
		e = &EnrollmentResult{}
		r.Status[id] = e
	}
	return e
}

// addPushResponses records the pushes' outcomes and returns how many
// succeeded and failed.
func (r *Result) addPushResponses(responses map[string]*push.Response) (ok, failed int) {
	for id, resp := range responses {
		if resp == nil {
			continue
		}
		e := r.entry(id)
		e.PushResult = resp.ID
		switch {
		case resp.Err == nil:
			ok++
			continue
		case errors.Is(resp.Err, pushsvc.ErrPushDataMissing):
			e.unknown++
		default:
			e.failed++
		}
		e.PushError = resp.Err.Error()
		failed++
	}
	return ok, failed
}

// addEnqueueErrors records per-ID enqueue failures.
func (r *Result) addEnqueueErrors(idErrs map[string]error) {
	for id, err := range idErrs {
		if err == nil {
			err = errors.New("unknown enqueue error")
		}
		e := r.entry(id)
		if errors.Is(err, storage.ErrEnrollmentNotFound) {
			e.unknown++
		} else {
			e.failed++
		}
		e.CommandError = err.Error()
	}
}

// statusCode returns the HTTP status of r for a request naming ids: 500 for any top-level error, otherwise 200 when no ID failed, 207
// when some did and 500 when as many entries failed as IDs were
// requested. Repeated and empty IDs count, as in NanoMDM.
func (r *Result) statusCode(ids []string) int {
	if r.PushError != "" || r.CommandError != "" {
		return http.StatusInternalServerError
	}
	failed := 0
	for _, e := range r.Status {
		if e.hasError() {
			failed++
		}
	}
	switch {
	case failed == 0:
		return http.StatusOK
	case r.allUnknown(ids):
		// NOTE(parity): NanoMDM returns 500 when no requested ID is
		// enrolled. That is the client's mistake, so ours returns 400.
		return http.StatusBadRequest
	case failed < len(ids):
		return http.StatusMultiStatus
	}
	return http.StatusInternalServerError
}

// allUnknown reports whether every requested ID failed only because it is
// not enrolled.
func (r *Result) allUnknown(ids []string) bool {
	for _, id := range ids {
		e := r.Status[id]
		if e == nil || e.unknown == 0 || e.failed > 0 {
			return false
		}
	}
	return len(ids) > 0
}
