// Package servicetest provides a recording fake of a complete MDM service
// for the tests of the service middlewares.
package servicetest

import (
	"sync"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
)

// Call is one recorded method call.
type Call struct {
	// Method is the check-in MessageType, or "CommandAndReportResults".
	Method  string
	Request *mdm.Request
}

// Recorder is a [service.CheckinAndCommandService] that records every call
// and returns the canned values in its exported fields. Set the fields
// before the first call. It is safe for concurrent use.
type Recorder struct {
	Err           error
	Reply         []byte
	Token         *mdm.BootstrapToken
	TokenResponse *mdm.GetTokenResponse
	Command       *mdm.Command

	// OnCall, when set, runs at the start of every call, outside the lock.
	OnCall func(method string, r *mdm.Request)

	mu    sync.Mutex
	calls []Call
}

var _ service.CheckinAndCommandService = (*Recorder)(nil)

// Calls returns a copy of the calls recorded so far.
func (s *Recorder) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Methods returns the method names of the calls recorded so far.
func (s *Recorder) Methods() []string {
	var methods []string
	for _, c := range s.Calls() {
		methods = append(methods, c.Method)
	}
	return methods
}

func (s *Recorder) record(method string, r *mdm.Request) {
	if s.OnCall != nil {
		s.OnCall(method, r)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, Call{Method: method, Request: r})
}

// Authenticate records the call and returns Err.
func (s *Recorder) Authenticate(r *mdm.Request, _ *mdm.Authenticate) error {
	s.record(mdm.MessageAuthenticate, r)
	return s.Err
}

// TokenUpdate records the call and returns Err.
func (s *Recorder) TokenUpdate(r *mdm.Request, _ *mdm.TokenUpdate) error {
	s.record(mdm.MessageTokenUpdate, r)
	return s.Err
}

// CheckOut records the call and returns Err.
func (s *Recorder) CheckOut(r *mdm.Request, _ *mdm.CheckOut) error {
	s.record(mdm.MessageCheckOut, r)
	return s.Err
}

// SetBootstrapToken records the call and returns Err.
func (s *Recorder) SetBootstrapToken(r *mdm.Request, _ *mdm.SetBootstrapToken) error {
	s.record(mdm.MessageSetBootstrapToken, r)
	return s.Err
}

// GetBootstrapToken records the call and returns Token and Err.
func (s *Recorder) GetBootstrapToken(r *mdm.Request, _ *mdm.GetBootstrapToken) (*mdm.BootstrapToken, error) {
	s.record(mdm.MessageGetBootstrapToken, r)
	return s.Token, s.Err
}

// UserAuthenticate records the call and returns Reply and Err.
func (s *Recorder) UserAuthenticate(r *mdm.Request, _ *mdm.UserAuthenticate) ([]byte, error) {
	s.record(mdm.MessageUserAuthenticate, r)
	return s.Reply, s.Err
}

// DeclarativeManagement records the call and returns Reply and Err.
func (s *Recorder) DeclarativeManagement(r *mdm.Request, _ *mdm.DeclarativeManagement) ([]byte, error) {
	s.record(mdm.MessageDeclarativeManagement, r)
	return s.Reply, s.Err
}

// GetToken records the call and returns TokenResponse and Err.
func (s *Recorder) GetToken(r *mdm.Request, _ *mdm.GetToken) (*mdm.GetTokenResponse, error) {
	s.record(mdm.MessageGetToken, r)
	return s.TokenResponse, s.Err
}

// CommandAndReportResults records the call and returns Command and Err.
func (s *Recorder) CommandAndReportResults(r *mdm.Request, _ *mdm.CommandResults) (*mdm.Command, error) {
	s.record("CommandAndReportResults", r)
	return s.Command, s.Err
}
