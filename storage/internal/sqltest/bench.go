package sqltest

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// BenchmarkNextCommand measures RetrieveNextCommand for the fixture device
// while its history of answered commands grows, in sub-benchmarks of
// history sizes up to maxHistory. The pending command comes after the
// whole history in queue order. answered says whether history rows carry
// answered_at; analyze refreshes the planner's statistics.
func BenchmarkNextCommand(b *testing.B, db *sql.DB, s storage.AllStorage, answered bool, maxHistory int, analyze string) {
	fx := LoadFixture(b, db)
	r := mdm.NewRequest(context.Background(), nil)
	r.EnrollID = &mdm.EnrollID{Type: mdm.Device, ID: fx.UDID}

	filled := 0
	for size := 1000; size <= maxHistory; size *= 10 {
		FillHistory(b, db, fx.UDID, filled, size-filled, answered)
		filled = size
		ExecAll(b, db, analyze)

		b.Run(fmt.Sprintf("history=%d", size), func(b *testing.B) {
			for b.Loop() {
				cmd, err := s.RetrieveNextCommand(r, false)
				if err != nil {
					b.Fatal(err)
				}
				if cmd == nil || cmd.CommandUUID != fx.Pending {
					b.Fatalf("next command: got %v, want %s", cmd, fx.Pending)
				}
			}
		})
	}
}
