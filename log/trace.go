package log

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

type traceKey struct{}

// NewTraceID returns a random 16-character lowercase hex ID for one HTTP
// request. It appears as trace_id in logs, as the webhook event_id and as
// the X-Trace-ID header sent to the auth proxy target.
func NewTraceID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never returns an error
	return hex.EncodeToString(b[:])
}

// WithTraceID returns a copy of ctx carrying id, both as the trace ID and
// as the trace_id log key.
func WithTraceID(ctx context.Context, id string) context.Context {
	ctx = context.WithValue(ctx, traceKey{}, id)
	return With(ctx, KeyTraceID, id)
}

// TraceID returns the trace ID stored on ctx, or "".
func TraceID(ctx context.Context) string {
	id, _ := ctx.Value(traceKey{}).(string)
	return id
}
