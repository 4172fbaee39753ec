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

// BenchmarkCommandCycle measures one command's round trip through s:
// enqueue to the fixture device, an Idle report that fetches it, and an
// Acknowledged report that finds the queue empty.
func BenchmarkCommandCycle(b *testing.B, db *sql.DB, s storage.AllStorage) {
	fx := LoadFixture(b, db)
	d := &driver{t: b, s: s, fx: fx}
	for _, uuid := range []string{fx.Pending, fx.Later, fx.NotNow} {
		if err := d.report(uuid, mdm.StatusAcknowledged); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	r := d.request(false)

	i := 0
	for b.Loop() {
		i++
		cmd, err := mdm.DecodeCommand([]byte(CommandPlist(fmt.Sprintf("cycle-%s-%d", fx.UDID, i))))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.EnqueueCommand(ctx, []string{fx.UDID}, cmd); err != nil {
			b.Fatal(err)
		}
		if err := d.report("", mdm.StatusIdle); err != nil {
			b.Fatal(err)
		}
		next, err := s.RetrieveNextCommand(r, false)
		if err != nil || next == nil || next.CommandUUID != cmd.CommandUUID {
			b.Fatalf("next command: got %v, %v, want %s", next, err, cmd.CommandUUID)
		}
		if err := d.report(cmd.CommandUUID, mdm.StatusAcknowledged); err != nil {
			b.Fatal(err)
		}
		if next, err := s.RetrieveNextCommand(r, false); err != nil || next != nil {
			b.Fatalf("next command after the answer: got %v, %v, want none", next, err)
		}
	}
}
