package certauth_test

import (
	"context"
	"sync"

	"github.com/mdmforge/nanomdm/mdm"
)

// fakeStore keeps one current hash per ID and remembers the owner of
// every hash ever bound, as the storage contract describes.
type fakeStore struct {
	mu      sync.Mutex
	current map[string]string
	owners  map[string]string
	ids     []string
	err     error
}

func newFakeStore() *fakeStore {
	return &fakeStore{current: map[string]string{}, owners: map[string]string{}}
}

func (s *fakeStore) seen(r *mdm.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ids = append(s.ids, r.ID)
	return s.err
}

func (s *fakeStore) HasCertHash(r *mdm.Request, hash string) (bool, error) {
	err := s.seen(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.owners[hash]
	return ok, err
}

func (s *fakeStore) EnrollmentHasCertHash(r *mdm.Request, _ string) (bool, error) {
	err := s.seen(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.current[r.ID]
	return ok, err
}

func (s *fakeStore) IsCertHashAssociated(r *mdm.Request, hash string) (bool, error) {
	err := s.seen(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current[r.ID] == hash, err
}

func (s *fakeStore) AssociateCertHash(r *mdm.Request, hash string) error {
	if err := s.seen(r); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.current[r.ID] = hash
	s.owners[hash] = r.ID
	return nil
}

func (s *fakeStore) EnrollmentFromHash(_ context.Context, hash string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.owners[hash], s.err
}
