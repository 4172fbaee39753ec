package kv

import (
	"context"
	"errors"
	"fmt"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// Key names after "<uuid>." in the queue bucket.
const (
	keyCommandRaw         = "raw"      // raw command plist
	keyCommandRequestType = "req_type" // command RequestType
)

// queueOf returns the command list of id.
func (s *KV) queueOf(id string) queueList {
	return queueList{b: s.queue, id: id, emptyLinks: s.emptyLinks}
}

// RetrieveNextCommand returns the first pending command of r.ID in
// enqueue order, passing over NotNow commands when skipNotNow is set, or
// nil when none is pending.
func (s *KV) RetrieveNextCommand(r *mdm.Request, skipNotNow bool) (*mdm.Command, error) {
	ctx := r.Context
	unlock := s.idLocks.lock(r.ID)
	defer unlock()

	var cmd *mdm.Command
	_, err := s.queueOf(r.ID).walk(ctx, func(it queueItem) (bool, error) {
		if !it.pending() || (skipNotNow && it.status == mdm.StatusNotNow) {
			return true, nil
		}
		var err error
		cmd, err = s.command(ctx, it.uuid)
		return cmd == nil, err
	})
	if err != nil {
		return nil, fmt.Errorf("retrieving next command for %s: %w", r.ID, err)
	}
	return cmd, nil
}

// command reads a stored command, or returns nil when it is missing.
func (s *KV) command(ctx context.Context, uuid string) (*mdm.Command, error) {
	raw, err := s.queue.Get(ctx, join(uuid, keyCommandRaw))
	if errors.Is(err, ErrKeyNotFound) {
		s.logger.Warn("queued command missing", log.KeyCommandUUID, uuid)
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("reading command %s: %w", uuid, err)
	}
	reqType, err := getString(ctx, s.queue, join(uuid, keyCommandRequestType))
	if err != nil {
		return nil, fmt.Errorf("reading request type of %s: %w", uuid, err)
	}
	return &mdm.Command{
		CommandUUID: uuid,
		Command:     mdm.CommandPayload{RequestType: reqType},
		Raw:         mdm.Raw{Raw: raw},
	}, nil
}

// StoreCommandReport records report for r.ID. A NotNow keeps the command
// pending; any other status except Idle unlinks it from the queue.
//
// NOTE(parity): NanoMDM empties the whole queue on a final status for a
// command that is not pending, and can deliver a finished command again.
// Here such a report only stores its result, when the command exists, and
// returns an error wrapping [storage.ErrCommandNotQueued]; the queue is
// left as it was.
func (s *KV) StoreCommandReport(r *mdm.Request, report *mdm.CommandResults) error {
	if err := s.touch(r); err != nil {
		return err
	}
	if report.Status == mdm.StatusIdle {
		return nil
	}
	if report.CommandUUID == "" {
		return errors.New("empty command UUID")
	}

	ctx := r.Context
	unlock := s.idLocks.lock(r.ID)
	defer unlock()
	q := s.queueOf(r.ID)
	it, prev, found, err := q.find(ctx, report.CommandUUID)
	if err != nil {
		return fmt.Errorf("finding %s in queue of %s: %w", report.CommandUUID, r.ID, err)
	}
	if !found {
		return s.storeUnqueuedReport(ctx, q, report)
	}
	if err := s.storeResult(ctx, q, report); err != nil {
		return err
	}
	if report.Status == mdm.StatusNotNow {
		return nil
	}
	return q.unlink(ctx, it, prev)
}

// storeResult writes the status and raw report of a command.
func (s *KV) storeResult(ctx context.Context, q queueList, report *mdm.CommandResults) error {
	return setKeys(ctx, s.queue,
		kvPair{q.itemKey(report.CommandUUID, itemStatus), []byte(report.Status)},
		kvPair{q.itemKey(report.CommandUUID, itemReport), report.Raw.Raw})
}

// storeUnqueuedReport handles a report for a command that is not pending
// for q's enrollment: a final result is stored when the command exists,
// and a NotNow is dropped so that it cannot make a finished command
// pending again. Either way the error wraps storage.ErrCommandNotQueued.
func (s *KV) storeUnqueuedReport(ctx context.Context, q queueList, report *mdm.CommandResults) error {
	notQueued := fmt.Errorf("%w: %s status %s for %s",
		storage.ErrCommandNotQueued, report.CommandUUID, report.Status, q.id)
	if report.Status == mdm.StatusNotNow {
		return notQueued
	}
	exists, err := s.queue.Has(ctx, join(report.CommandUUID, keyCommandRaw))
	if err != nil {
		return fmt.Errorf("looking up command %s: %w", report.CommandUUID, err)
	}
	if exists {
		if err := s.storeResult(ctx, q, report); err != nil {
			return err
		}
	}
	return notQueued
}

// ClearQueue unlinks every queued command of the device r names and of
// all its user channels, so none of them is ever delivered.
//
// NOTE(parity): NanoMDM clears only r.ID's own queue and leaves the last
// item's back link behind; SQL also clears the user channels, as we do.
func (s *KV) ClearQueue(r *mdm.Request) error {
	ids := []string{r.ID}
	if r.ParentID == "" {
		users, err := s.userChannels(r.Context, r.ID)
		if err != nil {
			return err
		}
		ids = append(ids, users...)
	}
	for _, id := range ids {
		if err := s.clearQueue(r.Context, id); err != nil {
			return fmt.Errorf("clearing queue of %s: %w", id, err)
		}
	}
	return nil
}

// clearQueue empties the queue of one enrollment under its lock.
func (s *KV) clearQueue(ctx context.Context, id string) error {
	unlock := s.idLocks.lock(id)
	defer unlock()
	return s.queueOf(id).clear(ctx)
}
