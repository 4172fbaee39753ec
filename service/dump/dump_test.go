package dump_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service/dump"
	"github.com/mdmforge/nanomdm/service/internal/servicetest"
)

func raw(s string) mdm.Raw { return mdm.Raw{Raw: []byte(s)} }

func TestDumpedBytes(t *testing.T) {
	errNext := errors.New("denied")
	tests := []struct {
		name string
		next *servicetest.Recorder
		call func(d *dump.Dumper, r *mdm.Request) error
		want string
	}{
		{
			name: "authenticate",
			next: &servicetest.Recorder{},
			call: func(d *dump.Dumper, r *mdm.Request) error {
				return d.Authenticate(r, &mdm.Authenticate{Raw: raw("<auth/>")})
			},
			want: "<auth/>",
		},
		{
			name: "written before a rejection",
			next: &servicetest.Recorder{Err: errNext},
			call: func(d *dump.Dumper, r *mdm.Request) error {
				return d.TokenUpdate(r, &mdm.TokenUpdate{Raw: raw("<tu/>")})
			},
			want: "<tu/>",
		},
		{
			name: "check out and set bootstrap token",
			next: &servicetest.Recorder{},
			call: func(d *dump.Dumper, r *mdm.Request) error {
				_ = d.CheckOut(r, &mdm.CheckOut{Raw: raw("<co/>")})
				return d.SetBootstrapToken(r, &mdm.SetBootstrapToken{Raw: raw("<sbt/>")})
			},
			want: "<co/><sbt/>",
		},
		{
			name: "bootstrap token line",
			next: &servicetest.Recorder{Token: &mdm.BootstrapToken{BootstrapToken: []byte("hello")}},
			call: func(d *dump.Dumper, r *mdm.Request) error {
				_, err := d.GetBootstrapToken(r, &mdm.GetBootstrapToken{Raw: raw("<gbt/>")})
				return err
			},
			want: "<gbt/>Bootstrap token: aGVsbG8=\n",
		},
		{
			name: "no bootstrap token",
			next: &servicetest.Recorder{Token: &mdm.BootstrapToken{}},
			call: func(d *dump.Dumper, r *mdm.Request) error {
				_, err := d.GetBootstrapToken(r, &mdm.GetBootstrapToken{Raw: raw("<gbt/>")})
				return err
			},
			want: "<gbt/>",
		},
		{
			name: "user authenticate reply",
			next: &servicetest.Recorder{Reply: []byte("<challenge/>")},
			call: func(d *dump.Dumper, r *mdm.Request) error {
				_, err := d.UserAuthenticate(r, &mdm.UserAuthenticate{Raw: raw("<ua/>")})
				return err
			},
			want: "<ua/><challenge/>",
		},
		{
			name: "declarative management data and reply",
			next: &servicetest.Recorder{Reply: []byte(`{"ok":1}`)},
			call: func(d *dump.Dumper, r *mdm.Request) error {
				msg := &mdm.DeclarativeManagement{Raw: raw("<dm/>"), Data: []byte(`{"s":1}`)}
				_, err := d.DeclarativeManagement(r, msg)
				return err
			},
			want: `<dm/>{"s":1}{"ok":1}`,
		},
		{
			name: "get token line",
			next: &servicetest.Recorder{TokenResponse: &mdm.GetTokenResponse{TokenData: []byte("tok")}},
			call: func(d *dump.Dumper, r *mdm.Request) error {
				_, err := d.GetToken(r, &mdm.GetToken{Raw: raw("<gt/>")})
				return err
			},
			want: "<gt/>GetToken TokenData: dG9r\n",
		},
		{
			name: "command sent back",
			next: &servicetest.Recorder{Command: &mdm.Command{Raw: raw("<cmd/>")}},
			call: func(d *dump.Dumper, r *mdm.Request) error {
				_, err := d.CommandAndReportResults(r, &mdm.CommandResults{Raw: raw("<report/>")})
				return err
			},
			want: "<report/><cmd/>",
		},
		{
			name: "no command",
			next: &servicetest.Recorder{},
			call: func(d *dump.Dumper, r *mdm.Request) error {
				_, err := d.CommandAndReportResults(r, &mdm.CommandResults{Raw: raw("<idle/>")})
				return err
			},
			want: "<idle/>",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			d := dump.New(tc.next, &buf)
			err := tc.call(d, mdm.NewRequest(context.Background(), nil))
			if err != tc.next.Err {
				t.Errorf("got error %v, want %v", err, tc.next.Err)
			}
			if got := buf.String(); got != tc.want {
				t.Errorf("got dump %q, want %q", got, tc.want)
			}
			if len(tc.next.Calls()) == 0 {
				t.Error("got no call to the next service, want one")
			}
		})
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("stdout closed") }

func TestWriteErrorLogged(t *testing.T) {
	var logs bytes.Buffer
	next := &servicetest.Recorder{}
	d := dump.New(next, failingWriter{}, dump.WithLogger(log.New(&logs, false)))
	if err := d.CheckOut(mdm.NewRequest(context.Background(), nil), &mdm.CheckOut{Raw: raw("x")}); err != nil {
		t.Fatalf("got error %v, want nil", err)
	}
	if len(next.Calls()) != 1 {
		t.Errorf("got %d next calls, want 1", len(next.Calls()))
	}
	for _, want := range []string{"service=dump", "stdout closed"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("got log %q, want it to contain %q", logs.String(), want)
		}
	}
}

// lockedWriter fails the test when two writes overlap.
type lockedWriter struct {
	t      *testing.T
	active sync.Mutex
	buf    bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	if !w.active.TryLock() {
		w.t.Error("got overlapping writes, want serialized ones")
		return len(p), nil
	}
	defer w.active.Unlock()
	return w.buf.Write(p)
}

func TestConcurrentWritesSerialized(t *testing.T) {
	w := &lockedWriter{t: t}
	d := dump.New(&servicetest.Recorder{}, w)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			_ = d.CheckOut(mdm.NewRequest(context.Background(), nil), &mdm.CheckOut{Raw: raw("abcd")})
		})
	}
	wg.Wait()
	if got := w.buf.Len(); got != 200 {
		t.Errorf("got %d bytes, want 200", got)
	}
}
