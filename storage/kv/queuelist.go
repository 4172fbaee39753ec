package kv

import (
	"context"
	"fmt"

	"github.com/mdmforge/nanomdm/mdm"
)

// The queue of an enrollment is a doubly linked list of command UUIDs:
// "<id>.queuekey.queue.first" and ".last" name its ends, and each item
// has "<id>.<uuid>.queueitem.next" and ".prev" links plus ".status" and
// ".report" once the device reported on it. Every method here runs with
// the enrollment's lock held.
//
// NanoMDM could leave damage behind: links to items that were already
// removed, a last pointer with no first, finished items still linked, and
// in theory cycles. The walk below stops at a cycle. Finished items are
// skipped by every walk and unlinked when a report's search meets them,
// so a finished command is never delivered again.
//
// NOTE: items NanoMDM cut off from the list, by deleting its first and
// last keys on a report for a command it did not hold, are not found
// again and stay undelivered. Finding them would need a scan of every
// "<id>.*.queueitem.*" key.
const (
	queueFirstSuffix = "queuekey.queue.first"
	queueLastSuffix  = "queuekey.queue.last"
	itemNext         = "next"
	itemPrev         = "prev"
	itemStatus       = "status"
	itemReport       = "report"
)

// queueList is the command list of one enrollment. With emptyLinks,
// links and ends are cleared by storing an empty value instead of
// deleting the key.
type queueList struct {
	b          Bucket
	id         string
	emptyLinks bool
}

// clearLinks clears the link or end keys given. NanoMDM reads an empty
// value as no link, the same as a missing key.
func (l queueList) clearLinks(ctx context.Context, keys ...string) error {
	if !l.emptyLinks {
		return deleteKeys(ctx, l.b, keys...)
	}
	for _, key := range keys {
		v, err := getString(ctx, l.b, key)
		if err != nil {
			return fmt.Errorf("reading %s: %w", key, err)
		}
		if v == "" {
			continue
		}
		if err := l.b.Set(ctx, key, nil); err != nil {
			return fmt.Errorf("clearing %s: %w", key, err)
		}
	}
	return nil
}

func (l queueList) firstKey() string { return join(l.id, queueFirstSuffix) }
func (l queueList) lastKey() string  { return join(l.id, queueLastSuffix) }

// itemKey returns the key of one field of the item uuid.
func (l queueList) itemKey(uuid, field string) string {
	return join(l.id, uuid, "queueitem", field)
}

// queueItem is one visited list item.
type queueItem struct {
	uuid   string
	status string // last reported status, "" before any report
	next   string
}

// pending reports whether the item may still be delivered.
func (it queueItem) pending() bool {
	return it.status == "" || it.status == mdm.StatusNotNow
}

// read returns the item uuid with its status and next link.
func (l queueList) read(ctx context.Context, uuid string) (queueItem, error) {
	it := queueItem{uuid: uuid}
	var err error
	if it.status, err = getString(ctx, l.b, l.itemKey(uuid, itemStatus)); err != nil {
		return it, fmt.Errorf("reading status of %s for %s: %w", uuid, l.id, err)
	}
	if it.next, err = getString(ctx, l.b, l.itemKey(uuid, itemNext)); err != nil {
		return it, fmt.Errorf("reading next link of %s for %s: %w", uuid, l.id, err)
	}
	return it, nil
}

// walk calls visit with each item from the first on, until visit
// returns false, the list ends or a link leads back to an item already
// visited. An item whose next link closes such a cycle is passed to
// visit with next set to "", as if it ended the list. walk returns the
// last item visited.
func (l queueList) walk(ctx context.Context, visit func(it queueItem) (bool, error)) (queueItem, error) {
	first, err := getString(ctx, l.b, l.firstKey())
	if err != nil {
		return queueItem{}, fmt.Errorf("reading queue head of %s: %w", l.id, err)
	}
	var last queueItem
	seen := make(map[string]struct{}, 4)
	for uuid := first; uuid != ""; uuid = last.next {
		seen[uuid] = struct{}{}
		if last, err = l.read(ctx, uuid); err != nil {
			return last, err
		}
		if _, ok := seen[last.next]; ok {
			last.next = ""
		}
		more, err := visit(last)
		if err != nil || !more {
			return last, err
		}
	}
	return last, nil
}

// find returns the pending item uuid and the item before it, unlinking
// finished items met on the way. found is false when uuid is not pending.
func (l queueList) find(ctx context.Context, uuid string) (it, prev queueItem, found bool, err error) {
	var kept queueItem
	_, err = l.walk(ctx, func(cur queueItem) (bool, error) {
		if !cur.pending() {
			return true, l.unlink(ctx, cur, kept)
		}
		if cur.uuid == uuid {
			it, prev, found = cur, kept, true
			return false, nil
		}
		kept = cur
		return true, nil
	})
	return it, prev, found, err
}

// unlink removes it from the list, given the item before it ("" when it
// is first).
func (l queueList) unlink(ctx context.Context, it, prev queueItem) error {
	var set []kvPair
	var del []string
	switch {
	case prev.uuid == "" && it.next == "":
		del = append(del, l.firstKey(), l.lastKey())
	case prev.uuid == "":
		set = append(set, kvPair{l.firstKey(), []byte(it.next)})
		del = append(del, l.itemKey(it.next, itemPrev))
	case it.next == "":
		set = append(set, kvPair{l.lastKey(), []byte(prev.uuid)})
		del = append(del, l.itemKey(prev.uuid, itemNext))
	default:
		set = append(set,
			kvPair{l.itemKey(prev.uuid, itemNext), []byte(it.next)},
			kvPair{l.itemKey(it.next, itemPrev), []byte(prev.uuid)})
	}
	if err := setKeys(ctx, l.b, set...); err != nil {
		return err
	}
	return l.clearLinks(ctx, append(del, l.itemKey(it.uuid, itemNext), l.itemKey(it.uuid, itemPrev))...)
}

// push appends uuid at the end of the list.
func (l queueList) push(ctx context.Context, uuid string) error {
	tail, err := l.tail(ctx)
	if err != nil {
		return err
	}
	if tail == "" {
		return setKeys(ctx, l.b,
			kvPair{l.firstKey(), []byte(uuid)},
			kvPair{l.lastKey(), []byte(uuid)})
	}
	return setKeys(ctx, l.b,
		kvPair{l.itemKey(tail, itemNext), []byte(uuid)},
		kvPair{l.itemKey(uuid, itemPrev), []byte(tail)},
		kvPair{l.lastKey(), []byte(uuid)})
}

// tail returns the last item of the list, or "" for an empty list. It
// trusts the last pointer unless the list shows damage NanoMDM could
// leave: a finished item at either end, or a last item that links on.
// Then it walks the list to find the real end.
func (l queueList) tail(ctx context.Context) (string, error) {
	first, err := getString(ctx, l.b, l.firstKey())
	if err != nil || first == "" {
		return "", err
	}
	last, err := getString(ctx, l.b, l.lastKey())
	if err != nil {
		return "", err
	}
	if last != "" && l.sound(ctx, first, last) {
		return last, nil
	}
	end, err := l.walk(ctx, func(queueItem) (bool, error) { return true, nil })
	return end.uuid, err
}

// sound reports whether the ends of the list look undamaged. A read error
// counts as damage, so the caller walks the list instead.
func (l queueList) sound(ctx context.Context, first, last string) bool {
	head, err := l.read(ctx, first)
	if err != nil || !head.pending() {
		return false
	}
	end, err := l.read(ctx, last)
	return err == nil && end.pending() && end.next == ""
}

// clear unlinks every item, leaving an empty list.
func (l queueList) clear(ctx context.Context) error {
	var keys []string
	_, err := l.walk(ctx, func(it queueItem) (bool, error) {
		keys = append(keys, l.itemKey(it.uuid, itemNext), l.itemKey(it.uuid, itemPrev))
		return true, nil
	})
	if err != nil {
		return err
	}
	return l.clearLinks(ctx, append(keys, l.firstKey(), l.lastKey())...)
}
