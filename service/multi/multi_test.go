package multi_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
	"github.com/mdmforge/nanomdm/service/internal/servicetest"
	"github.com/mdmforge/nanomdm/service/multi"
)

func newMulti(t *testing.T, svcs []service.CheckinAndCommandService, opts ...multi.Option) (*multi.MultiService, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	opts = append([]multi.Option{multi.WithLogger(log.New(&buf, true))}, opts...)
	return multi.New(svcs, opts...), &buf
}

func wait(t *testing.T, m *multi.MultiService) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := m.Wait(ctx); err != nil {
		t.Fatalf("got wait error %v, want nil", err)
	}
}

func TestPrimaryResultAndClonedRequest(t *testing.T) {
	primary := &servicetest.Recorder{Reply: []byte("primary"), Err: errors.New("primary failed")}
	primary.OnCall = func(_ string, r *mdm.Request) {
		r.EnrollID = &mdm.EnrollID{Type: mdm.Device, ID: "DEV-1"}
	}
	other := &servicetest.Recorder{Reply: []byte("other")}
	m, _ := newMulti(t, []service.CheckinAndCommandService{primary, other})

	ctx, cancel := context.WithCancel(log.WithTraceID(context.Background(), "trace-1"))
	r := mdm.NewRequest(ctx, nil)
	got, err := m.UserAuthenticate(r, &mdm.UserAuthenticate{})
	cancel()
	wait(t, m)

	if string(got) != "primary" || err != primary.Err {
		t.Errorf("got %q, %v, want %q, %v", got, err, "primary", primary.Err)
	}
	calls := other.Calls()
	if len(calls) != 1 {
		t.Fatalf("got %d background calls, want 1", len(calls))
	}
	rc := calls[0].Request
	if rc == r {
		t.Error("got the device's request in the background, want a copy")
	}
	if rc.EnrollID == nil || rc.ID != "DEV-1" {
		t.Errorf("got background ID %+v, want DEV-1 set by the first service", rc.EnrollID)
	}
	if rc.EnrollID == r.EnrollID {
		t.Error("got a shared EnrollID, want a copy")
	}
	if got := log.TraceID(rc.Context); got != "trace-1" {
		t.Errorf("got trace ID %q, want %q", got, "trace-1")
	}
}

func TestBackgroundContextDetached(t *testing.T) {
	type result struct {
		err         error
		hasDeadline bool
	}
	seen := make(chan result, 1)
	other := &servicetest.Recorder{}
	other.OnCall = func(_ string, r *mdm.Request) {
		_, ok := r.Context.Deadline()
		seen <- result{err: r.Context.Err(), hasDeadline: ok}
	}
	m, _ := newMulti(t, []service.CheckinAndCommandService{&servicetest.Recorder{}, other},
		multi.WithTimeout(time.Minute))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.CheckOut(mdm.NewRequest(ctx, nil), &mdm.CheckOut{}); err != nil {
		t.Fatalf("got error %v, want nil", err)
	}
	wait(t, m)

	got := <-seen
	if got.err != nil {
		t.Errorf("got background context error %v, want nil", got.err)
	}
	if !got.hasDeadline {
		t.Error("got background context without deadline, want one")
	}
}

func TestBackgroundErrorsLogged(t *testing.T) {
	failing := &servicetest.Recorder{Err: errors.New("webhook down")}
	m, buf := newMulti(t, []service.CheckinAndCommandService{&servicetest.Recorder{}, failing})
	r := mdm.NewRequest(log.With(context.Background(), log.KeyID, "DEV-1"), nil)
	if err := m.TokenUpdate(r, &mdm.TokenUpdate{}); err != nil {
		t.Fatalf("got error %v, want nil", err)
	}
	wait(t, m)

	for _, want := range []string{"service=multi", "sub_service=1", "err=\"webhook down\"", "id=DEV-1"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("got log %q, want it to contain %q", buf.String(), want)
		}
	}
}

func TestBackgroundPanicRecovered(t *testing.T) {
	other := &servicetest.Recorder{}
	other.OnCall = func(string, *mdm.Request) { panic("nil enrollment") }
	m, buf := newMulti(t, []service.CheckinAndCommandService{&servicetest.Recorder{}, other})
	if err := m.Authenticate(mdm.NewRequest(context.Background(), nil), &mdm.Authenticate{}); err != nil {
		t.Fatalf("got error %v, want nil", err)
	}
	wait(t, m)

	if !strings.Contains(buf.String(), "background service panicked") {
		t.Errorf("got log %q, want a panic line", buf.String())
	}
}

func TestMaxInFlightSkips(t *testing.T) {
	release := make(chan struct{})
	slow := &servicetest.Recorder{}
	slow.OnCall = func(string, *mdm.Request) { <-release }
	m, buf := newMulti(t, []service.CheckinAndCommandService{&servicetest.Recorder{}, slow},
		multi.WithMaxInFlight(1))

	r := mdm.NewRequest(context.Background(), nil)
	for range 5 {
		_ = m.CheckOut(r, &mdm.CheckOut{})
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := m.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got wait error %v, want %v", err, context.DeadlineExceeded)
	}
	close(release)
	wait(t, m)

	if got := len(slow.Calls()); got != 1 {
		t.Errorf("got %d background calls, want 1", got)
	}
	// Four skips in quick succession give one line, for the first.
	if got := strings.Count(buf.String(), "too many calls in flight"); got != 1 {
		t.Errorf("got %d skip lines in log %q, want 1", got, buf.String())
	}
	if !strings.Contains(buf.String(), "skipped=1") {
		t.Errorf("got log %q, want the skip line to count 1 skip", buf.String())
	}
}

func TestEveryMethodFansOut(t *testing.T) {
	primary := &servicetest.Recorder{}
	others := []*servicetest.Recorder{{}, {}}
	m, _ := newMulti(t, []service.CheckinAndCommandService{primary, others[0], others[1]})
	r := mdm.NewRequest(context.Background(), nil)

	_ = m.Authenticate(r, &mdm.Authenticate{})
	_ = m.TokenUpdate(r, &mdm.TokenUpdate{})
	_ = m.CheckOut(r, &mdm.CheckOut{})
	_ = m.SetBootstrapToken(r, &mdm.SetBootstrapToken{})
	_, _ = m.GetBootstrapToken(r, &mdm.GetBootstrapToken{})
	_, _ = m.UserAuthenticate(r, &mdm.UserAuthenticate{})
	_, _ = m.DeclarativeManagement(r, &mdm.DeclarativeManagement{})
	_, _ = m.GetToken(r, &mdm.GetToken{})
	_, _ = m.CommandAndReportResults(r, &mdm.CommandResults{})
	wait(t, m)

	if got := len(primary.Calls()); got != 9 {
		t.Errorf("got %d primary calls, want 9", got)
	}
	for i, other := range others {
		if got := len(other.Calls()); got != 9 {
			t.Errorf("service %d: got %d calls, want 9", i+1, got)
		}
	}
}

func TestNewPanics(t *testing.T) {
	tests := []struct {
		name string
		svcs []service.CheckinAndCommandService
	}{
		{name: "no services"},
		{name: "nil service", svcs: []service.CheckinAndCommandService{&servicetest.Recorder{}, nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("got no panic, want one")
				}
			}()
			multi.New(tc.svcs)
		})
	}
}
