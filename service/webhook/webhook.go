// Package webhook posts a JSON event for every MDM message to an HTTP
// endpoint, in the format of MicroMDM's webhook with NanoMDM's additions.
// It is meant to run as a background service of the multi package, after
// the core service has resolved each message's enrollment ID.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/storage"
)

// Defaults for delivery. They are estimates, not measured limits.
const (
	// DefaultTimeout bounds one POST, response included.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxConcurrent is how many POSTs may be in flight at once.
	DefaultMaxConcurrent = 16
)

// maxDrainBytes is how much of a response body is read, and discarded, so
// the connection can be reused.
const maxDrainBytes = 64 << 10

// Webhook is a [service.CheckinAndCommandService] that posts one [Event]
// per message. It returns an error when the POST fails or its response
// status is not 200. It posts on the caller's goroutine with at most a
// fixed number of POSTs in flight, and a caller waits for a free slot
// until its request context is done. Run it in the background through the
// multi package, so it never delays a device and shutdown drains it by
// waiting for the background calls. It is safe for concurrent use.
type Webhook struct {
	url     string
	tally   storage.TokenUpdateTallyStore
	client  *http.Client
	logger  *slog.Logger
	hmacKey []byte
	now     func() time.Time
	slots   chan struct{} // one token per POST in flight
}

// Option configures a [Webhook].
type Option func(*Webhook)

// WithClient sets the HTTP client. It should have a timeout, because a
// POST that never ends holds a delivery slot.
func WithClient(client *http.Client) Option {
	return func(w *Webhook) { w.client = client }
}

// WithLogger sets the logger. Lines carry service=webhook.
func WithLogger(logger *slog.Logger) Option {
	return func(w *Webhook) { w.logger = logger }
}

// WithHMACSecret signs every body: the X-Hmac-Signature header carries the
// standard base64 of the HMAC-SHA256 of the body under key.
func WithHMACSecret(key []byte) Option {
	return func(w *Webhook) { w.hmacKey = key }
}

// WithClock sets the source of the created_at time.
func WithClock(now func() time.Time) Option {
	return func(w *Webhook) { w.now = now }
}

// WithMaxConcurrent sets how many POSTs may be in flight at once. Zero or
// less keeps [DefaultMaxConcurrent].
func WithMaxConcurrent(n int) Option {
	return func(w *Webhook) {
		if n > 0 {
			w.slots = make(chan struct{}, n)
		}
	}
}

// New returns a Webhook that posts to url and reads TokenUpdate tallies
// from tally. By default it uses an HTTP client with [DefaultTimeout],
// allows [DefaultMaxConcurrent] POSTs at once, signs nothing, stamps
// events with time.Now and logs nothing. It panics when tally is nil.
func New(url string, tally storage.TokenUpdateTallyStore, opts ...Option) *Webhook {
	if tally == nil {
		panic("webhook: nil tally store")
	}
	// NOTE(parity): NanoMDM posts with a client that has no timeout and no
	// bound on concurrent POSTs.
	w := &Webhook{
		url:    url,
		tally:  tally,
		client: &http.Client{Timeout: DefaultTimeout},
		logger: log.Nop(),
		now:    time.Now,
	}
	for _, opt := range opts {
		opt(w)
	}
	if w.slots == nil {
		w.slots = make(chan struct{}, DefaultMaxConcurrent)
	}
	w.logger = w.logger.With(log.KeyService, "webhook")
	return w
}

// post encodes ev as compact, HTML-escaped JSON with no final newline and
// posts it once, without retries.
func (w *Webhook) post(ctx context.Context, ev *Event) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encoding %s event: %w", ev.Topic, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("creating webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if len(w.hmacKey) > 0 {
		req.Header.Set("X-Hmac-Signature", sign(w.hmacKey, body))
	}

	select {
	case w.slots <- struct{}{}:
		defer func() { <-w.slots }()
	case <-ctx.Done():
		return fmt.Errorf("waiting to post %s event: %w", ev.Topic, ctx.Err())
	}

	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("posting %s event: %w", ev.Topic, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrainBytes))

	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unexpected HTTP status: %s", resp.Status)
	}
	return nil
}

// sign returns the standard base64 of the HMAC-SHA256 of body under key.
func sign(key, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
