// Package dump writes the raw bytes of every MDM message, and of what is
// sent back, to a writer such as standard output, for debugging.
package dump

import (
	"encoding/base64"
	"io"
	"log/slog"
	"sync"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
)

// Dumper writes each message's raw body before passing it to the next
// service, so a message that a later service rejects is still written.
// After the next service returns, it writes what goes back to the device.
// Nothing separates one message from the next. It implements
// [service.CheckinAndCommandService] and is safe for concurrent use; each
// write is whole, but the writes of concurrent requests may interleave.
type Dumper struct {
	next   service.CheckinAndCommandService
	logger *slog.Logger

	mu sync.Mutex // serializes writes to w
	w  io.Writer
}

// Option configures a [Dumper].
type Option func(*Dumper)

// WithLogger sets the logger for failed writes. Lines carry service=dump.
func WithLogger(logger *slog.Logger) Option {
	return func(d *Dumper) { d.logger = logger }
}

// New returns a Dumper that writes to w and passes every message to next.
// By default it logs nothing. It panics when next or w is nil.
func New(next service.CheckinAndCommandService, w io.Writer, opts ...Option) *Dumper {
	if next == nil || w == nil {
		panic("dump: nil next service or writer")
	}
	d := &Dumper{next: next, w: w, logger: log.Nop()}
	for _, opt := range opts {
		opt(d)
	}
	d.logger = d.logger.With(log.KeyService, "dump")
	return d
}

// write writes the non-empty parts in one locked section. A failed write
// is logged and never fails the request.
func (d *Dumper) write(r *mdm.Request, parts ...[]byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range parts {
		if len(p) == 0 {
			continue
		}
		if _, err := d.w.Write(p); err != nil {
			log.From(r.Context, d.logger).Error("writing dump", log.KeyErr, err)
			return
		}
	}
}

// labeled returns label followed by the standard base64 of data and a
// newline, or nil when data is empty.
func labeled(label string, data []byte) []byte {
	if len(data) == 0 {
		return nil
	}
	line := make([]byte, 0, len(label)+base64.StdEncoding.EncodedLen(len(data))+1)
	line = append(line, label...)
	line = base64.StdEncoding.AppendEncode(line, data)
	return append(line, '\n')
}
