package service_test

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/push"
)

// fakeStore keeps push details and push certificates in memory. A
// certificate's stale token is its upload count.
type fakeStore struct {
	mu       sync.Mutex
	infos    map[string]*mdm.Push
	certs    map[string]*tls.Certificate
	uploads  map[string]int
	infoErr  error
	staleErr error
}

func newFakeStore() *fakeStore {
	return &fakeStore{
		infos:   map[string]*mdm.Push{},
		certs:   map[string]*tls.Certificate{},
		uploads: map[string]int{},
	}
}

// enroll stores push details for id on topic with a token derived from
// token.
func (s *fakeStore) enroll(id, topic string, token byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.infos[id] = &mdm.Push{PushMagic: "magic-" + id, Token: []byte{0xAA, token}, Topic: topic}
}

// upload stores cert for topic as a new version.
func (s *fakeStore) upload(topic string, cert *tls.Certificate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.certs[topic] = cert
	s.uploads[topic]++
}

func (s *fakeStore) RetrievePushInfo(_ context.Context, ids []string) (map[string]*mdm.Push, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.infoErr != nil {
		return nil, s.infoErr
	}
	out := map[string]*mdm.Push{}
	for _, id := range ids {
		if info, ok := s.infos[id]; ok {
			out[id] = info
		}
	}
	return out, nil
}

func (s *fakeStore) IsPushCertStale(_ context.Context, topic, staleToken string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.staleErr != nil {
		return false, s.staleErr
	}
	return staleToken != strconv.Itoa(s.uploads[topic]), nil
}

func (s *fakeStore) RetrievePushCert(_ context.Context, topic string) (*tls.Certificate, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cert, ok := s.certs[topic]
	if !ok {
		return nil, "", fmt.Errorf("getting %s.pem: key not found: %s.pem", topic, topic)
	}
	return cert, strconv.Itoa(s.uploads[topic]), nil
}

func (s *fakeStore) StorePushCert(context.Context, []byte, []byte) error {
	return fmt.Errorf("not supported by the fake store")
}

// fakeFactory builds fakeProviders and remembers each one.
type fakeFactory struct {
	mu        sync.Mutex
	providers []*fakeProvider
	err       error
	// push, when set, runs inside every provider's Push before it
	// responds.
	push func(topic string)
}

func (f *fakeFactory) NewProvider(cert *tls.Certificate) (push.Provider, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	p := &fakeProvider{cert: cert, hook: f.push}
	f.providers = append(f.providers, p)
	return p, nil
}

func (f *fakeFactory) built() []*fakeProvider {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*fakeProvider(nil), f.providers...)
}

// fakeProvider responds to every push with the ID "id-<token>" and
// records the tokens it was given.
type fakeProvider struct {
	cert *tls.Certificate
	hook func(topic string)

	mu     sync.Mutex
	tokens []string
	closed bool
}

func (p *fakeProvider) Push(_ context.Context, pushes []*mdm.Push) (map[string]*push.Response, error) {
	if p.hook != nil && len(pushes) > 0 {
		p.hook(pushes[0].Topic)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]*push.Response{}
	for _, pu := range pushes {
		token := hex.EncodeToString(pu.Token)
		p.tokens = append(p.tokens, token)
		out[token] = &push.Response{ID: "id-" + token}
	}
	return out, nil
}

func (p *fakeProvider) CloseIdleConnections() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
}

func (p *fakeProvider) pushedTokens() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.tokens...)
}

func (p *fakeProvider) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}
