package service

import (
	"fmt"
	"net/http"
)

// HTTPStatusError is an error that carries the status code the HTTP
// handler sends instead of 500, such as 410 for a declined UserAuthenticate.
type HTTPStatusError struct {
	Status int
	Err    error
}

// NewHTTPStatusError returns an error that maps to status.
func NewHTTPStatusError(status int, err error) *HTTPStatusError {
	return &HTTPStatusError{Status: status, Err: err}
}

// Error returns the status, its reason phrase and the message of Err.
func (e *HTTPStatusError) Error() string {
	return fmt.Sprintf("HTTP error: %d %s: %v", e.Status, http.StatusText(e.Status), e.Err)
}

// Unwrap returns Err.
func (e *HTTPStatusError) Unwrap() error { return e.Err }
