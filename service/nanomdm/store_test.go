package nanomdm_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// fakeStore is a [storage.ServiceStore] that records each call as
// "Method:ID" and fails the methods named in errs.
type fakeStore struct {
	mu    sync.Mutex
	calls []string
	errs  map[string]error

	token    *mdm.BootstrapToken
	next     *mdm.Command
	skipSeen []bool
}

var _ storage.ServiceStore = (*fakeStore)(nil)

func (s *fakeStore) record(method string, r *mdm.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := ""
	if r != nil && r.EnrollID != nil {
		id = r.ID
	}
	s.calls = append(s.calls, fmt.Sprintf("%s:%s", method, id))
	return s.errs[method]
}

func (s *fakeStore) StoreAuthenticate(r *mdm.Request, _ *mdm.Authenticate) error {
	return s.record("StoreAuthenticate", r)
}

func (s *fakeStore) StoreTokenUpdate(r *mdm.Request, _ *mdm.TokenUpdate) error {
	return s.record("StoreTokenUpdate", r)
}

func (s *fakeStore) StoreUserAuthenticate(r *mdm.Request, _ *mdm.UserAuthenticate) error {
	return s.record("StoreUserAuthenticate", r)
}

func (s *fakeStore) Disable(r *mdm.Request) error {
	return s.record("Disable", r)
}

func (s *fakeStore) StoreCommandReport(r *mdm.Request, _ *mdm.CommandResults) error {
	return s.record("StoreCommandReport", r)
}

func (s *fakeStore) RetrieveNextCommand(r *mdm.Request, skipNotNow bool) (*mdm.Command, error) {
	s.mu.Lock()
	s.skipSeen = append(s.skipSeen, skipNotNow)
	s.mu.Unlock()
	return s.next, s.record("RetrieveNextCommand", r)
}

func (s *fakeStore) ClearQueue(r *mdm.Request) error {
	return s.record("ClearQueue", r)
}

func (s *fakeStore) StoreBootstrapToken(r *mdm.Request, _ *mdm.SetBootstrapToken) error {
	return s.record("StoreBootstrapToken", r)
}

func (s *fakeStore) RetrieveBootstrapToken(r *mdm.Request, _ *mdm.GetBootstrapToken) (*mdm.BootstrapToken, error) {
	return s.token, s.record("RetrieveBootstrapToken", r)
}

func (s *fakeStore) RetrieveTokenUpdateTally(_ context.Context, id string) (int, error) {
	return 0, s.record("RetrieveTokenUpdateTally", &mdm.Request{EnrollID: &mdm.EnrollID{ID: id}})
}
