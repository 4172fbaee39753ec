package service

import (
	"context"
	"fmt"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/push"
)

// batchOutcome is the result of pushing one topic's batch. providerErr is
// true when the topic's provider could not be built or checked, so the
// batch was not sent.
type batchOutcome struct {
	responses   map[string]*push.Response
	err         error
	providerErr bool
}

func (s *Service) pushBatch(ctx context.Context, b batch) batchOutcome {
	provider, err := s.provider(ctx, b.topic)
	if err != nil {
		log.From(ctx, s.logger).InfoContext(ctx, "get provider", "topic", b.topic, log.KeyErr, err)
		return batchOutcome{err: err, providerErr: true}
	}
	responses, err := provider.Push(ctx, b.pushes)
	if err != nil {
		err = fmt.Errorf("topic %s: %w", b.topic, err)
	}
	return batchOutcome{responses: responses, err: err}
}

// firstError returns the error of the first topic, in topic order, whose
// provider could not be had, or else the first provider error.
//
// NOTE(parity): NanoMDM reports the last failing topic in map order, so
// which one it names varies between runs when several fail.
func firstError(outcomes []batchOutcome) error {
	var first error
	for _, o := range outcomes {
		if o.providerErr {
			return o.err
		}
		if first == nil {
			first = o.err
		}
	}
	return first
}
