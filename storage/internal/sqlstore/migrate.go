package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/mdmforge/nanomdm/storage"
)

// RetrieveMigrationCheckins sends to out, for every device, its
// Authenticate and then its TokenUpdate, and after all devices the
// TokenUpdate of every user channel. Disabled enrollments are included. A
// stored message that cannot be decoded, such as the missing TokenUpdate
// of a device that never sent one, is sent as an error value.
func (s *Store) RetrieveMigrationCheckins(ctx context.Context, out chan<- any) error {
	err := queryRows(ctx, s.db, s.text.migrateDevices, nil, func(rows *sql.Rows) error {
		var authenticate, tokenUpdate []byte
		if err := rows.Scan(&authenticate, &tokenUpdate); err != nil {
			return err
		}
		if err := storage.SendMigrationCheckin(ctx, out, authenticate); err != nil {
			return err
		}
		return storage.SendMigrationCheckin(ctx, out, tokenUpdate)
	})
	if err != nil {
		return fmt.Errorf("retrieving device check-ins: %w", err)
	}

	err = queryRows(ctx, s.db, s.text.migrateUsers, nil, func(rows *sql.Rows) error {
		var tokenUpdate []byte
		if err := rows.Scan(&tokenUpdate); err != nil {
			return err
		}
		return storage.SendMigrationCheckin(ctx, out, tokenUpdate)
	})
	if err != nil {
		return fmt.Errorf("retrieving user channel check-ins: %w", err)
	}
	return nil
}
