package storage

import (
	"context"

	"github.com/mdmforge/nanomdm/mdm"
)

// SendMigrationCheckin decodes raw, a stored check-in, and sends the
// message to out, or the decoding error in its place, as
// [MigrationStore.RetrieveMigrationCheckins] streams them. It returns
// ctx's error if ctx ends before out takes the item.
func SendMigrationCheckin(ctx context.Context, out chan<- any, raw []byte) error {
	var item any
	msg, err := mdm.DecodeCheckin(raw)
	if err != nil {
		item = err
	} else {
		item = msg
	}

	select {
	case out <- item:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
