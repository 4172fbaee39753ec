package file

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mdmforge/nanomdm/mdm"
)

// RetrievePushInfo returns the push details of each ID from its stored
// TokenUpdate, disabled enrollments included. IDs without a TokenUpdate,
// and IDs that cannot name an enrollment, are left out of the map.
func (s *FileStorage) RetrievePushInfo(_ context.Context, ids []string) (map[string]*mdm.Push, error) {
	infos := make(map[string]*mdm.Push, len(ids))
	for _, id := range ids {
		dir, err := s.dir(id)
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, tokenUpdateFile))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading TokenUpdate of %s: %w", id, err)
		}
		msg, err := mdm.DecodeCheckin(raw)
		if err != nil {
			return nil, fmt.Errorf("decoding stored TokenUpdate of %s: %w", id, err)
		}
		tu, ok := msg.(*mdm.TokenUpdate)
		if !ok {
			return nil, fmt.Errorf("stored TokenUpdate of %s is a %T", id, msg)
		}
		infos[id] = &tu.Push
	}
	return infos, nil
}
