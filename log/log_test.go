package log_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/log"
)

func TestNewLineFormat(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := log.New(&buf, false)
	logger.Info("server started", log.KeyHandler, "mdm")

	line := strings.TrimSuffix(buf.String(), "\n")
	if strings.Contains(line, "\n") {
		t.Fatalf("got several lines %q, want one", buf.String())
	}
	want := regexp.MustCompile(
		`^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d) level=info msg="server started" handler=mdm$`)
	if !want.MatchString(line) {
		t.Errorf("got line %q, want it to match %s", line, want)
	}
	ts := strings.TrimPrefix(strings.Fields(line)[0], "ts=")
	if _, err := time.Parse(time.RFC3339, ts); err != nil {
		t.Errorf("ts %q is not RFC 3339: %v", ts, err)
	}
}

func TestNewLevels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		debug bool
		want  []string
	}{
		{
			name: "info",
			want: []string{"level=info msg=i", "level=warn msg=w", "level=error msg=e"},
		},
		{
			name:  "debug",
			debug: true,
			want: []string{
				"level=debug msg=d", "level=info msg=i", "level=warn msg=w", "level=error msg=e",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			logger := log.New(&buf, tt.debug)
			logger.Debug("d")
			logger.Info("i")
			logger.Warn("w")
			logger.Error("e")

			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("got %d lines %q, want %d", len(lines), lines, len(tt.want))
			}
			for i, line := range lines {
				if !strings.HasSuffix(line, " "+tt.want[i]) {
					t.Errorf("line %d = %q, want suffix %q", i, line, tt.want[i])
				}
			}
		})
	}
}

func TestNewGroupKeepsKeys(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log.New(&buf, false).WithGroup("push").Info("sent", "level", "x", "ts", "y")
	if got, want := buf.String(), ` push.level=x push.ts=y`; !strings.Contains(got, want) {
		t.Errorf("got %q, want it to contain %q", got, want)
	}
}

func TestNopDiscards(t *testing.T) {
	t.Parallel()
	logger := log.Nop()
	if logger.Enabled(context.Background(), -8) {
		t.Error("Nop logger is enabled, want it to discard everything")
	}
	logger.Error("dropped") // must not panic
}

func TestWithFrom(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	base := log.New(&buf, false)

	ctx := log.With(context.Background(), log.KeyID, "DEV-1")
	ctx = log.With(ctx, log.KeyType, "Device")
	child := log.With(ctx, log.KeyCommandUUID, "C-1")

	log.From(ctx, base).Info("checked in")
	log.From(child, base).Info("reported")
	log.From(context.Background(), base).Info("plain")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []string{
		`msg="checked in" id=DEV-1 type=Device`,
		`msg=reported id=DEV-1 type=Device command_uuid=C-1`,
		`msg=plain`,
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines %q, want %d", len(lines), lines, len(want))
	}
	for i, line := range lines {
		if !strings.HasSuffix(line, " "+want[i]) {
			t.Errorf("line %d = %q, want suffix %q", i, line, want[i])
		}
	}
}

func TestWithDoesNotShareArgs(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	base := log.New(&buf, false)
	parent := log.With(context.Background(), log.KeyID, "DEV-1")

	// Two children of one parent must not see each other's keys, even
	// though both append to the parent's arguments.
	first := log.With(parent, log.KeyCommandUUID, "C-1")
	second := log.With(parent, log.KeyCommandUUID, "C-2")
	log.From(first, base).Info("a")
	log.From(second, base).Info("b")

	got := buf.String()
	for _, want := range []string{"msg=a id=DEV-1 command_uuid=C-1\n", "msg=b id=DEV-1 command_uuid=C-2\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("got %q, want it to contain %q", got, want)
		}
	}
}

func TestFromNilContext(t *testing.T) {
	t.Parallel()
	base := log.Nop()
	var ctx context.Context // nil
	if got := log.From(ctx, base); got != base {
		t.Errorf("From(nil) = %p, want the base logger %p", got, base)
	}
}

func TestTraceID(t *testing.T) {
	t.Parallel()
	hexID := regexp.MustCompile(`^[0-9a-f]{16}$`)
	seen := make(map[string]bool)
	for range 100 {
		id := log.NewTraceID()
		if !hexID.MatchString(id) {
			t.Fatalf("NewTraceID() = %q, want 16 lowercase hex characters", id)
		}
		if seen[id] {
			t.Fatalf("NewTraceID() repeated %q within 100 calls", id)
		}
		seen[id] = true
	}
}

func TestWithTraceID(t *testing.T) {
	t.Parallel()
	if got := log.TraceID(context.Background()); got != "" {
		t.Errorf("TraceID(empty context) = %q, want empty", got)
	}

	var buf bytes.Buffer
	ctx := log.WithTraceID(context.Background(), "0123456789abcdef")
	if got := log.TraceID(ctx); got != "0123456789abcdef" {
		t.Errorf("TraceID() = %q, want %q", got, "0123456789abcdef")
	}
	log.From(ctx, log.New(&buf, false)).Info("request")
	if got, want := buf.String(), "msg=request trace_id=0123456789abcdef\n"; !strings.HasSuffix(got, want) {
		t.Errorf("got %q, want suffix %q", got, want)
	}
}
