// Package service implements [push.Pusher]: it looks up the push details
// of enrollment IDs, groups them by push topic and sends each topic's
// batch through a provider built from that topic's stored push
// certificate. Providers are cached per topic and rebuilt when the
// certificate is uploaded again.
package service

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/push"
	"github.com/mdmforge/nanomdm/storage"
)

// ErrPushDataMissing is the per-ID error for an ID that has no stored
// push details, usually because it is not enrolled.
var ErrPushDataMissing = errors.New("push data missing for id")

// Store is the storage the push service reads.
type Store interface {
	storage.PushStore
	storage.PushCertStore
}

// Service sends pushes to enrollments by ID. It implements [push.Pusher]
// and is safe for concurrent use.
type Service struct {
	store   Store
	factory push.ProviderFactory
	logger  *slog.Logger

	// topics maps a topic to its *topicProvider. Entries are never
	// removed, and there is one per topic ever pushed to.
	topics sync.Map
}

// topicProvider caches the provider of one topic. Pushes read current
// without locking, and rebuildMu only serializes rebuilds.
type topicProvider struct {
	current   atomic.Pointer[cachedProvider]
	rebuildMu sync.Mutex
}

// cachedProvider is a provider with the stale token of the push
// certificate it was built from.
type cachedProvider struct {
	provider   push.Provider
	staleToken string
}

// Option configures a [Service].
type Option func(*Service)

// WithLogger logs through logger. The default discards everything.
func WithLogger(logger *slog.Logger) Option {
	return func(s *Service) { s.logger = logger }
}

// New returns a push service that reads push details and certificates
// from store and builds providers with factory.
func New(store Store, factory push.ProviderFactory, opts ...Option) *Service {
	s := &Service{store: store, factory: factory, logger: log.Nop()}
	for _, opt := range opts {
		opt(s)
	}
	s.logger = s.logger.With(log.KeyService, "push")
	return s
}

// provider returns the cached provider for topic, after asking storage
// whether the push certificate changed, or builds a new one.
func (s *Service) provider(ctx context.Context, topic string) (push.Provider, error) {
	v, ok := s.topics.Load(topic)
	if !ok {
		v, _ = s.topics.LoadOrStore(topic, &topicProvider{})
	}
	entry := v.(*topicProvider)

	cached := entry.current.Load()
	if cached != nil {
		stale, err := s.store.IsPushCertStale(ctx, topic, cached.staleToken)
		if err != nil {
			return nil, fmt.Errorf("checking push cert stale: %w", err)
		}
		if !stale {
			return cached.provider, nil
		}
	}
	return s.rebuild(ctx, topic, entry, cached)
}

// rebuild builds a provider from the stored push certificate of topic and
// caches it, unless another push replaced seen in the meantime.
func (s *Service) rebuild(ctx context.Context, topic string, entry *topicProvider, seen *cachedProvider) (push.Provider, error) {
	entry.rebuildMu.Lock()
	defer entry.rebuildMu.Unlock()
	if current := entry.current.Load(); current != seen {
		return current.provider, nil
	}

	cert, staleToken, err := s.store.RetrievePushCert(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("retrieving push cert for topic %q: %w", topic, err)
	}
	log.From(ctx, s.logger).InfoContext(ctx, "retrieved push cert", "topic", topic)
	provider, err := s.factory.NewProvider(cert)
	if err != nil {
		return nil, fmt.Errorf("creating new push provider: %w", err)
	}
	entry.current.Store(&cachedProvider{provider: provider, staleToken: staleToken})

	// Pushes still running on the old provider keep their connections.
	if old, ok := seen.providerCloser(); ok {
		old.CloseIdleConnections()
	}
	return provider, nil
}

// idleCloser is implemented by providers that keep connections open.
type idleCloser interface {
	CloseIdleConnections()
}

func (c *cachedProvider) providerCloser() (idleCloser, bool) {
	if c == nil {
		return nil, false
	}
	closer, ok := c.provider.(idleCloser)
	return closer, ok
}

// batch is the pushes of one topic.
type batch struct {
	topic  string
	pushes []*mdm.Push
}

// Push sends a push to every ID in ids that has push details and returns
// a response per ID. IDs without details get [ErrPushDataMissing]. IDs
// whose topic has no usable provider get no response; the error then
// names that topic. Topics are pushed in parallel.
func (s *Service) Push(ctx context.Context, ids []string) (map[string]*push.Response, error) {
	infos, err := s.store.RetrievePushInfo(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("push storage: %w", err)
	}
	results := make(map[string]*push.Response, len(ids))
	batches, tokenIDs := group(ids, infos, results)

	outcomes := make([]batchOutcome, len(batches))
	if len(batches) == 1 {
		outcomes[0] = s.pushBatch(ctx, batches[0])
	} else {
		var wg sync.WaitGroup
		for i, b := range batches {
			wg.Go(func() { outcomes[i] = s.pushBatch(ctx, b) })
		}
		wg.Wait()
	}

	for _, o := range outcomes {
		for token, resp := range o.responses {
			id, ok := tokenIDs[token]
			if !ok {
				log.From(ctx, s.logger).InfoContext(ctx, "could not find id by token")
				continue
			}
			results[id] = resp
		}
	}
	return results, firstError(outcomes)
}

// group sorts the IDs that have push details into per-topic batches, in
// topic order, and records ErrPushDataMissing in results for the others.
// A token requested for several IDs is pushed once, and its response goes
// to the last of those IDs, as in NanoMDM.
func group(ids []string, infos map[string]*mdm.Push, results map[string]*push.Response) ([]batch, map[string]string) {
	byTopic := make(map[string][]*mdm.Push)
	tokenIDs := make(map[string]string, len(ids))
	for _, id := range ids {
		info := infos[id]
		if info == nil {
			results[id] = &push.Response{Err: ErrPushDataMissing}
			continue
		}
		token := hex.EncodeToString(info.Token)
		if _, seen := tokenIDs[token]; !seen {
			byTopic[info.Topic] = append(byTopic[info.Topic], info)
		}
		tokenIDs[token] = id
	}

	batches := make([]batch, 0, len(byTopic))
	for topic, pushes := range byTopic {
		batches = append(batches, batch{topic: topic, pushes: pushes})
	}
	slices.SortFunc(batches, func(a, b batch) int { return strings.Compare(a.topic, b.topic) })
	return batches, tokenIDs
}
