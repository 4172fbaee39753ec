package kv

import (
	"context"
	"fmt"

	"github.com/mdmforge/nanomdm/mdm"
)

// RetrievePushInfo returns the push details of each ID that has a topic,
// PushMagic and token stored. Other IDs are left out of the map.
func (s *KV) RetrievePushInfo(ctx context.Context, ids []string) (map[string]*mdm.Push, error) {
	infos := make(map[string]*mdm.Push, len(ids))
	for _, id := range ids {
		var fields [3][]byte
		for i, name := range []string{keyTopic, keyPushMagic, keyToken} {
			v, err := getOptional(ctx, s.enrollments, join(id, name))
			if err != nil {
				return nil, fmt.Errorf("reading push info of %s: %w", id, err)
			}
			if v == nil {
				break
			}
			fields[i] = v
		}
		if fields[2] == nil {
			continue
		}
		infos[id] = &mdm.Push{
			Topic:     string(fields[0]),
			PushMagic: string(fields[1]),
			Token:     fields[2],
		}
	}
	return infos, nil
}
