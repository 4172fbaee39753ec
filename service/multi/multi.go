// Package multi runs several MDM services for each message: the first one
// decides the reply to the device, and the others run afterwards in the
// background, so a slow webhook never delays the device.
package multi

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
)

// Defaults for the background calls. Both are estimates, not measured
// limits. A webhook that needs longer than DefaultTimeout is treated as
// failed. DefaultMaxInFlight lets a burst of about that many messages
// through while the webhook is slow.
const (
	DefaultTimeout     = 60 * time.Second
	DefaultMaxInFlight = 1024
)

// keySubService is the log key naming which service failed, counting the
// first service as 0.
const keySubService = "sub_service"

// skipLogInterval is the least time between two log lines about skipped
// background calls. A stalled webhook under load would otherwise log one
// line per device request. Each line counts the skips since the previous
// one.
const skipLogInterval = 10 * time.Second

// MultiService calls its first service and returns that service's
// results. Then it calls every other service in its own goroutine and
// logs their errors. It implements [service.CheckinAndCommandService] and
// is safe for concurrent use.
type MultiService struct {
	svcs    []service.CheckinAndCommandService
	logger  *slog.Logger
	timeout time.Duration
	slots   chan struct{} // one token per background call in flight
	wg      sync.WaitGroup

	skipped     atomic.Int64 // calls skipped and not yet logged
	lastSkipLog atomic.Int64 // time of the last skip line, in Unix ns
}

// Option configures a [MultiService].
type Option func(*MultiService)

// WithLogger sets the logger. Lines carry service=multi.
func WithLogger(logger *slog.Logger) Option {
	return func(m *MultiService) { m.logger = logger }
}

// WithTimeout sets how long one background call may run before its
// context is cancelled. Zero or less keeps [DefaultTimeout].
func WithTimeout(d time.Duration) Option {
	return func(m *MultiService) {
		if d > 0 {
			m.timeout = d
		}
	}
}

// WithMaxInFlight sets how many background calls may run at once. When
// that many are running, further calls are skipped and logged as errors.
// Zero or less keeps [DefaultMaxInFlight].
func WithMaxInFlight(n int) Option {
	return func(m *MultiService) {
		if n > 0 {
			m.slots = make(chan struct{}, n)
		}
	}
}

// New returns a MultiService over svcs. The first service runs on the
// device's request; the others run in the background on a copy of it,
// after the first one returned. New panics when svcs is empty or has a
// nil service.
func New(svcs []service.CheckinAndCommandService, opts ...Option) *MultiService {
	if len(svcs) == 0 {
		panic("multi: no services")
	}
	for i, svc := range svcs {
		if svc == nil {
			panic(fmt.Sprintf("multi: nil service at index %d", i))
		}
	}

	m := &MultiService{
		svcs:    svcs,
		logger:  log.Nop(),
		timeout: DefaultTimeout,
	}
	for _, opt := range opts {
		opt(m)
	}
	if m.slots == nil {
		m.slots = make(chan struct{}, DefaultMaxInFlight)
	}
	m.logger = m.logger.With(log.KeyService, "multi")
	return m
}

// Wait blocks until every background call has returned, or until ctx is
// done, in which case it returns ctx's error. Call it during shutdown,
// once no new message can arrive.
func (m *MultiService) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		m.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for background services: %w", ctx.Err())
	}
}

// call is one method of a service applied to a request.
type call func(svc service.CheckinAndCommandService, r *mdm.Request) error

// runOthers starts fn for every service after the first, each with its
// own copy of r. The copy keeps r's context values, including the trace
// ID and log keys, but is never cancelled by the device's request.
func (m *MultiService) runOthers(r *mdm.Request, fn call) {
	for i, svc := range m.svcs[1:] {
		index := i + 1
		select {
		case m.slots <- struct{}{}:
		default:
			m.logSkip(contextOf(r), index)
			continue
		}

		// NOTE(parity): NanoMDM's background calls have no deadline and no
		// bound on their number. Here each has a timeout, and calls beyond
		// the in-flight limit are skipped and logged.
		rc := r.Clone()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(contextOf(r)), m.timeout)
		rc.Context = ctx
		m.wg.Go(func() {
			defer func() { <-m.slots }()
			defer cancel()
			m.run(index, svc, rc, fn)
		})
	}
}

// logSkip counts a background call skipped for lack of a slot and logs
// the count at most once per skipLogInterval.
func (m *MultiService) logSkip(ctx context.Context, index int) {
	m.skipped.Add(1)
	now := time.Now().UnixNano()
	last := m.lastSkipLog.Load()
	if last != 0 && now-last < int64(skipLogInterval) {
		return
	}
	if !m.lastSkipLog.CompareAndSwap(last, now) {
		return
	}
	log.From(ctx, m.logger).Error("skipping background service: too many calls in flight",
		keySubService, index, "skipped", m.skipped.Swap(0))
}

// run calls fn and logs its error or panic, so that a failing background
// service never reaches the device or stops the process.
func (m *MultiService) run(index int, svc service.CheckinAndCommandService, r *mdm.Request, fn call) {
	logger := log.From(r.Context, m.logger)
	defer func() {
		if v := recover(); v != nil {
			logger.Error("background service panicked", keySubService, index, log.KeyErr, fmt.Sprint(v))
		}
	}()
	if err := fn(svc, r); err != nil {
		logger.Info("background service failed", keySubService, index, log.KeyErr, err)
	}
}

// contextOf returns r's context, or the background context when r has
// none.
func contextOf(r *mdm.Request) context.Context {
	if r.Context == nil {
		return context.Background()
	}
	return r.Context
}
