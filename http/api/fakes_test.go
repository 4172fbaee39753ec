package api_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"

	"github.com/mdmforge/nanomdm/cryptoutil"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/push"
	pushsvc "github.com/mdmforge/nanomdm/push/service"
	"github.com/mdmforge/nanomdm/storage"
)

// fakeCertStore keeps push certificates in memory, keyed by topic, and
// fails lookups of unknown topics with the file backend's wording.
type fakeCertStore struct {
	mu       sync.Mutex
	pems     map[string][2][]byte
	versions map[string]int
	storeErr error
}

func newFakeCertStore() *fakeCertStore {
	return &fakeCertStore{pems: map[string][2][]byte{}, versions: map[string]int{}}
}

func (s *fakeCertStore) StorePushCert(_ context.Context, pemCert, pemKey []byte) error {
	if s.storeErr != nil {
		return s.storeErr
	}
	cert, err := cryptoutil.DecodePEMCertificate(pemCert)
	if err != nil {
		return err
	}
	topic, err := cryptoutil.TopicFromCert(cert)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pems[topic] = [2][]byte{pemCert, pemKey}
	s.versions[topic]++
	return nil
}

func (s *fakeCertStore) RetrievePushCert(_ context.Context, topic string) (*tls.Certificate, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pair, ok := s.pems[topic]
	if !ok {
		return nil, "", fmt.Errorf("getting %s.pem: key not found: %s.pem", topic, topic)
	}
	cert, err := tls.X509KeyPair(pair[0], pair[1])
	if err != nil {
		return nil, "", err
	}
	return &cert, strconv.Itoa(s.versions[topic]), nil
}

func (s *fakeCertStore) IsPushCertStale(_ context.Context, topic, staleToken string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return staleToken != strconv.Itoa(s.versions[topic]), nil
}

// fakeEnqueuer queues commands for the enrolled IDs only, as the
// CommandEnqueuer contract requires: unknown IDs get ErrEnrollmentNotFound and
// nothing is stored when no ID is known.
type fakeEnqueuer struct {
	mu       sync.Mutex
	enrolled map[string]bool
	queued   map[string][]string // enrollment ID to CommandUUIDs
	uuids    map[string]bool
}

func newFakeEnqueuer(enrolled ...string) *fakeEnqueuer {
	e := &fakeEnqueuer{enrolled: map[string]bool{}, queued: map[string][]string{}, uuids: map[string]bool{}}
	for _, id := range enrolled {
		e.enrolled[id] = true
	}
	return e
}

func (e *fakeEnqueuer) EnqueueCommand(_ context.Context, ids []string, cmd *mdm.Command) (map[string]error, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.uuids[cmd.CommandUUID] {
		return nil, fmt.Errorf("command already exists: %s", cmd.CommandUUID)
	}
	idErrs := map[string]error{}
	var known []string
	for _, id := range ids {
		if e.enrolled[id] {
			known = append(known, id)
		} else {
			idErrs[id] = storage.ErrEnrollmentNotFound
		}
	}
	if len(known) > 0 {
		e.uuids[cmd.CommandUUID] = true
	}
	for _, id := range known {
		e.queued[id] = append(e.queued[id], cmd.CommandUUID)
	}
	return idErrs, nil
}

func (e *fakeEnqueuer) queuedIDs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Sorted(maps.Keys(e.queued))
}

// fakePusher returns the configured response per ID and
// ErrPushDataMissing for any other ID, plus err as the overall error.
type fakePusher struct {
	mu        sync.Mutex
	responses map[string]*push.Response
	err       error
	calls     [][]string
}

func (p *fakePusher) Push(_ context.Context, ids []string) (map[string]*push.Response, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, ids)
	out := map[string]*push.Response{}
	for _, id := range ids {
		if r, ok := p.responses[id]; ok {
			if r != nil {
				out[id] = r
			}
			continue
		}
		out[id] = &push.Response{Err: pushsvc.ErrPushDataMissing}
	}
	return out, p.err
}

func (p *fakePusher) pushCalls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.calls)
}
