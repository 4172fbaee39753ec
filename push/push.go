// Package push declares how the server wakes devices through APNs. A
// [Provider] sends pushes for one topic over one HTTP/2 client; a [Pusher]
// turns enrollment IDs into pushes. The apns subpackage implements the
// provider and the service subpackage the pusher.
package push

import (
	"context"
	"crypto/tls"

	"github.com/mdmforge/nanomdm/mdm"
)

// Response is the outcome of one push. ID is the apns-id APNs returned,
// which it sends even with an error.
type Response struct {
	ID  string
	Err error
}

// Provider sends MDM pushes for one topic.
type Provider interface {
	// Push sends one push per entry and returns the responses keyed by the
	// lowercase hex device token. Entries that are nil are skipped. It
	// returns an error only when pushes is empty.
	Push(ctx context.Context, pushes []*mdm.Push) (map[string]*Response, error)
}

// ProviderFactory builds a Provider that authenticates to APNs with cert.
type ProviderFactory interface {
	NewProvider(cert *tls.Certificate) (Provider, error)
}

// Pusher pushes to enrollments by ID.
type Pusher interface {
	// Push wakes every enrollment in ids and returns a response per ID it
	// attempted. IDs without push details get a response whose Err says
	// so. The error is for failures that are not tied to one ID.
	Push(ctx context.Context, ids []string) (map[string]*Response, error)
}
