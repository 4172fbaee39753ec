package apns

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// JSONPushError is the JSON body APNs returns with a failed push, also
// sent as the debug data of a GOAWAY frame.
// See https://developer.apple.com/documentation/usernotifications/handling-notification-responses-from-apns
type JSONPushError struct {
	Reason    string `json:"reason"`
	Timestamp int64  `json:"timestamp"`
}

// Error returns "APNs push error", then the reason and the timestamp when
// APNs sent them.
func (e *JSONPushError) Error() string {
	msg := "APNs push error"
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.Timestamp > 0 {
		msg += ": timestamp " + strconv.FormatInt(e.Timestamp, 10)
	}
	return msg
}

// StatusError is a push that APNs answered with a status other than 200,
// or a GOAWAY whose error code is given as Status. Err is a
// [*JSONPushError], or the error decoding the body as one.
type StatusError struct {
	Status int
	Err    error
}

// Error returns "push HTTP status: <status>: <error>", the text NanoMDM
// reports in the push API result.
func (e *StatusError) Error() string {
	return fmt.Sprintf("push HTTP status: %d: %v", e.Status, e.Err)
}

// Unwrap returns Err.
func (e *StatusError) Unwrap() error { return e.Err }

// newStatusError decodes the first JSON value of body into the error of a
// push answered with status.
func newStatusError(status int, body io.Reader) error {
	var jsonErr JSONPushError
	if err := json.NewDecoder(body).Decode(&jsonErr); err != nil {
		return &StatusError{Status: status, Err: fmt.Errorf("decoding JSON push error: %w", err)}
	}
	return &StatusError{Status: status, Err: &jsonErr}
}
