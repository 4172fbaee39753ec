package kv

import (
	"context"
	"fmt"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// EnqueueCommand stores cmd and appends it to the queue of every known ID
// in ids. An ID is known once a TokenUpdate was stored for it; others get
// [storage.ErrEnrollmentNotFound] in the returned map, keyed by ID. When
// no ID is known nothing is stored. A CommandUUID that was ever stored is
// a global error.
//
// NOTE(parity): NanoMDM queues the command for unknown IDs too and keys
// its per-ID errors by CommandUUID.
func (s *KV) EnqueueCommand(ctx context.Context, ids []string, cmd *mdm.Command) (map[string]error, error) {
	idErrs := make(map[string]error)
	known := make([]string, 0, len(ids))
	seen := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		// An ID listed twice is queued once, so its list gets no loop.
		if _, dup := seen[id]; dup {
			continue
		}
		seen[id] = struct{}{}
		ok, err := s.enrollments.Has(ctx, join(id, keyType))
		if err != nil {
			return nil, fmt.Errorf("looking up enrollment %s: %w", id, err)
		}
		if !ok {
			idErrs[id] = storage.ErrEnrollmentNotFound
			continue
		}
		known = append(known, id)
	}
	if len(known) == 0 {
		return idErrs, nil
	}

	if err := s.storeCommand(ctx, cmd); err != nil {
		return nil, err
	}
	for _, id := range known {
		if err := s.push(ctx, id, cmd.CommandUUID); err != nil {
			idErrs[id] = err
		}
	}
	return idErrs, nil
}

// storeCommand stores cmd unless its CommandUUID is already stored.
func (s *KV) storeCommand(ctx context.Context, cmd *mdm.Command) error {
	rawKey := join(cmd.CommandUUID, keyCommandRaw)
	unlock := s.keyLocks.lock(rawKey)
	defer unlock()
	exists, err := s.queue.Has(ctx, rawKey)
	if err != nil {
		return fmt.Errorf("looking up command %s: %w", cmd.CommandUUID, err)
	}
	if exists {
		return fmt.Errorf("command already exists: %s", cmd.CommandUUID)
	}
	// The request type goes first: a command is only taken as stored once
	// its raw key exists.
	return setKeys(ctx, s.queue,
		kvPair{join(cmd.CommandUUID, keyCommandRequestType), []byte(cmd.Command.RequestType)},
		kvPair{rawKey, cmd.Raw.Raw})
}

// push appends uuid to the queue of id under its lock.
func (s *KV) push(ctx context.Context, id, uuid string) error {
	unlock := s.idLocks.lock(id)
	defer unlock()
	if err := s.queueOf(id).push(ctx, uuid); err != nil {
		return fmt.Errorf("queueing %s for %s: %w", uuid, id, err)
	}
	return nil
}
