package storagetest

import (
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// BenchmarkCycle measures full command cycles against s: enqueue a
// command, report Idle and get it, then acknowledge it and get nothing. "serial" runs one device; "parallel" gives each
// benchmark goroutine its own device.
func BenchmarkCycle(b *testing.B, s storage.AllStorage) {
	b.Run("serial", func(b *testing.B) {
		e := &env{t: b, s: s}
		dev := e.enroll()
		b.ResetTimer()
		for b.Loop() {
			if err := e.cycle(dev); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		e := &env{t: b, s: s}
		b.RunParallel(func(pb *testing.PB) {
			dev := enrollQuiet(e)
			for pb.Next() {
				if err := e.cycle(dev); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// enrollQuiet is enroll for goroutines other than the benchmark's own,
// where Fatal must not be called; a failure shows in the cycles.
func enrollQuiet(e *env) channel {
	dev := device()
	raw := fixture(e.t, "TokenUpdate.2.plist", dev.udid)
	msg, err := mdm.DecodeCheckin(raw)
	if err == nil {
		err = e.s.StoreTokenUpdate(e.request(dev, nil), msg.(*mdm.TokenUpdate))
	}
	if err != nil {
		e.t.Errorf("enrolling %s: %v", dev.udid, err)
	}
	return dev
}
