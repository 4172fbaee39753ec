package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// Log keys of the per-check-in lines, named as NanoMDM's nano2nano names
// them so that existing log searches keep working.
const (
	keyCheckin       = "checkin"
	keyDeviceID      = "device_id"
	keyUserID        = "user_id"
	keyUserShortName = "user_short_name"
	keySent          = "sent"
	keyFailed        = "failed"
	keySkipped       = "skipped"
)

// migrator walks a migration check-in stream in order and sends each
// message to the server, or only logs it when sender is nil.
type migrator struct {
	logger *slog.Logger
	stdout io.Writer // receives the plist of a SetBootstrapToken that failed
	sender *sender

	sent, failed, skipped int
}

// migrate reads every check-in of store and handles it. It sends one at a
// time, in stream order, because the server must see a device's
// Authenticate before its TokenUpdate, and a SetBootstrapToken after the
// Authenticate that would erase it. It reports whether nothing failed.
func (m *migrator) migrate(ctx context.Context, store storage.MigrationStore) bool {
	checkins := make(chan any)
	done := make(chan error, 1)
	go func() {
		done <- store.RetrieveMigrationCheckins(ctx, checkins)
		close(checkins)
	}()
	for item := range checkins {
		m.handle(ctx, item)
	}
	if err := <-done; err != nil {
		m.logger.Error("retrieving migration checkins", log.KeyErr, err)
		m.failed++
	}
	m.logger.Info("migration finished", keySent, m.sent, keyFailed, m.failed, keySkipped, m.skipped)
	return m.failed == 0
}

// handle sends one item of the stream. UserAuthenticate messages and any
// other type are skipped, because the server rebuilds nothing from them.
// Error items are stored messages that could not be decoded.
func (m *migrator) handle(ctx context.Context, item any) {
	switch v := item.(type) {
	case *mdm.Authenticate:
		m.forward(ctx, mdm.MessageAuthenticate, &v.Enrollment, v.Raw.Raw)
	case *mdm.TokenUpdate:
		m.forward(ctx, mdm.MessageTokenUpdate, &v.Enrollment, v.Raw.Raw)
	case *mdm.SetBootstrapToken:
		if !m.forward(ctx, mdm.MessageSetBootstrapToken, &v.Enrollment, v.Raw.Raw) {
			// The token exists nowhere else once the old server is gone,
			// so the operator gets the message to resend by hand.
			fmt.Fprintln(m.stdout, string(v.Raw.Raw))
		}
	case error:
		m.logger.Error("receiving checkin", log.KeyErr, v)
		m.failed++
	default:
		m.logger.Warn("invalid type provided", keyCheckin, checkinName(item))
		m.skipped++
	}
}

// checkinName returns the MessageType of a check-in message, or its Go
// type for anything else.
func checkinName(item any) string {
	if ua, ok := item.(*mdm.UserAuthenticate); ok {
		return ua.MessageType.MessageType
	}
	return fmt.Sprintf("%T", item)
}

// forward logs one check-in and sends it unless this is a dry run. It
// reports whether the check-in was sent or listed without error.
//
// NOTE(parity): NanoMDM logs a failed send at info level; it is an error
// line here, because that enrollment was not migrated.
func (m *migrator) forward(ctx context.Context, name string, e *mdm.Enrollment, raw []byte) bool {
	m.logger.Info("migration check-in", enrollmentAttrs(name, e)...)
	if m.sender == nil {
		m.skipped++
		return true
	}
	status, err := m.sender.put(ctx, raw)
	m.logger.Debug("migration endpoint response", log.KeyHTTPStatus, status)
	if err != nil {
		m.logger.Error("sending to migration endpoint", append(enrollmentAttrs(name, e), log.KeyErr, err)...)
		m.failed++
		return false
	}
	m.sent++
	return true
}

// enrollmentAttrs returns the log attributes that name a check-in and
// its channel: the device channel ID, the user part of a user channel ID,
// the short name when the message has one, and the enrollment type.
func enrollmentAttrs(name string, e *mdm.Enrollment) []any {
	attrs := []any{keyCheckin, name}
	id := e.Resolve()
	if id == nil {
		return append(attrs, keyDeviceID, "", log.KeyType, "")
	}
	attrs = append(attrs, keyDeviceID, id.DeviceID())
	if id.ParentID != "" {
		attrs = append(attrs, keyUserID, strings.TrimPrefix(id.ID, id.ParentID+":"))
	}
	if e.UserShortName != "" {
		attrs = append(attrs, keyUserShortName, e.UserShortName)
	}
	return append(attrs, log.KeyType, id.Type.String())
}

// sender PUTs raw check-ins to a migration endpoint.
type sender struct {
	client *http.Client
	url    string
	key    string
}

// StatusError reports a migration endpoint reply other than 200 OK.
type StatusError struct {
	Status int
}

// Error returns NanoMDM's wording, which operators may search logs for.
func (e *StatusError) Error() string {
	return fmt.Sprintf("Check-in Request failed with HTTP status: %d", e.Status)
}

// put sends raw with the API key and returns the HTTP status, or 0 when
// no response arrived. A status other than 200 is a *StatusError.
func (s *sender) put(ctx context.Context, raw []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, s.url, bytes.NewReader(raw))
	if err != nil {
		return 0, fmt.Errorf("building request: %w", err)
	}
	req.SetBasicAuth("nanomdm", s.key)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	// Draining the body lets the client reuse the connection.
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return resp.StatusCode, fmt.Errorf("reading response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, &StatusError{Status: resp.StatusCode}
	}
	return resp.StatusCode, nil
}
