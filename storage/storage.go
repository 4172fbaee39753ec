// Package storage declares the interfaces the services read and write
// through, split by concern. Each backend in a subpackage (filekv, inmem,
// mysql, pgsql, and allmulti for several at once) implements all of them;
// storagetest holds the one behavioral suite every backend passes.
//
// Unless a method says otherwise, IDs are normalized enrollment IDs (see
// [mdm.EnrollID]) and are compared exactly, and every method is safe for
// concurrent use.
package storage

import (
	"context"
	"crypto/tls"
	"errors"

	"github.com/mdmforge/nanomdm/mdm"
)

// ErrDeviceChannelOnly is returned by operations that only make sense on a
// device channel, such as bootstrap tokens, when given a user channel.
var ErrDeviceChannelOnly = errors.New("operation supported on device channel only")

// ErrEnrollmentNotFound is the per-ID error [CommandEnqueuer.EnqueueCommand]
// returns for an ID that has no enrollment (no TokenUpdate was stored).
var ErrEnrollmentNotFound = errors.New("enrollment not found")

// ErrCommandNotQueued is returned, wrapped, by
// [CommandAndReportResultsStore.StoreCommandReport] when a final status
// names a CommandUUID that is not pending for that enrollment. The result
// was stored where the command exists and the queue is unchanged, so the
// caller logs it and carries on with the next command.
var ErrCommandNotQueued = errors.New("command not queued for enrollment")

// CheckinStore stores the check-in messages that create, refresh and end
// enrollments.
type CheckinStore interface {
	// StoreAuthenticate records a device's Authenticate: the raw message,
	// its identity certificate (or none) and serial number. It erases any
	// escrowed bootstrap token.
	StoreAuthenticate(r *mdm.Request, msg *mdm.Authenticate) error

	// StoreTokenUpdate records push details for a device or user channel,
	// enables the enrollment and adds one to its TokenUpdate tally. An
	// UnlockToken is stored only when the message has one.
	StoreTokenUpdate(r *mdm.Request, msg *mdm.TokenUpdate) error

	// StoreUserAuthenticate records a UserAuthenticate message, the first
	// one and the one with a DigestResponse in separate slots.
	StoreUserAuthenticate(r *mdm.Request, msg *mdm.UserAuthenticate) error

	// Disable marks an enrollment as not enrolled until its next
	// TokenUpdate and resets its tally to 0. On a device channel it also
	// disables every user channel of that device; on a user channel it
	// disables only that channel.
	Disable(r *mdm.Request) error
}

// CommandAndReportResultsStore stores command reports and hands out the
// next pending command.
type CommandAndReportResultsStore interface {
	// StoreCommandReport records a report. Idle only updates last-seen.
	// NotNow keeps the command pending; any other status finishes it for
	// that enrollment. A finished command never becomes pending again.
	StoreCommandReport(r *mdm.Request, report *mdm.CommandResults) error

	// RetrieveNextCommand returns the oldest pending command for r.ID, in
	// enqueue order, or nil with no error when none is pending. With
	// skipNotNow, commands whose last status is NotNow are passed over.
	RetrieveNextCommand(r *mdm.Request, skipNotNow bool) (*mdm.Command, error)

	// ClearQueue makes every pending command of the device r names, and of
	// all its user channels, undeliverable for good.
	ClearQueue(r *mdm.Request) error
}

// BootstrapTokenStore escrows macOS bootstrap tokens. Both methods work on
// device channels only.
type BootstrapTokenStore interface {
	// StoreBootstrapToken stores the token, or clears it when the message
	// has none.
	StoreBootstrapToken(r *mdm.Request, msg *mdm.SetBootstrapToken) error

	// RetrieveBootstrapToken returns the escrowed token, or nil with no
	// error when none is stored.
	RetrieveBootstrapToken(r *mdm.Request, msg *mdm.GetBootstrapToken) (*mdm.BootstrapToken, error)
}

// TokenUpdateTallyStore reads how many TokenUpdates an enrollment sent
// since it was last enabled.
type TokenUpdateTallyStore interface {
	// RetrieveTokenUpdateTally returns the tally for id, or 0 with no error
	// for an unknown id.
	RetrieveTokenUpdateTally(ctx context.Context, id string) (int, error)
}

// ServiceStore is everything the core MDM service needs.
type ServiceStore interface {
	CheckinStore
	CommandAndReportResultsStore
	BootstrapTokenStore
	TokenUpdateTallyStore
}

// CommandEnqueuer queues commands for enrollments.
type CommandEnqueuer interface {
	// EnqueueCommand queues cmd for every known ID in ids. An ID without
	// an enrollment gets [ErrEnrollmentNotFound] in the returned map, keyed
	// by that ID. When no ID is known, nothing is stored. A CommandUUID
	// that already exists is a global error. Any number of IDs works.
	EnqueueCommand(ctx context.Context, ids []string, cmd *mdm.Command) (map[string]error, error)
}

// PushStore reads the push details of enrollments.
type PushStore interface {
	// RetrievePushInfo returns push details for each ID that has them.
	// Unknown IDs are left out of the map; that is not an error. Disabled
	// enrollments are included.
	RetrievePushInfo(ctx context.Context, ids []string) (map[string]*mdm.Push, error)
}

// PushCertStore keeps APNs push certificates, one per topic.
type PushCertStore interface {
	// IsPushCertStale reports whether the stored certificate for topic has
	// changed since staleToken was handed out. It runs before every push,
	// so it is cheap.
	IsPushCertStale(ctx context.Context, topic, staleToken string) (bool, error)

	// RetrievePushCert returns the certificate and key for topic with the
	// token that identifies this version of it.
	RetrievePushCert(ctx context.Context, topic string) (cert *tls.Certificate, staleToken string, err error)

	// StorePushCert stores a PEM certificate and key under the topic taken
	// from the certificate, replacing any earlier one.
	StorePushCert(ctx context.Context, pemCert, pemKey []byte) error
}

// CertAuthStore binds identity certificates, by the lowercase hex SHA-256
// of their DER bytes, to device channel IDs. Every binding ever made is
// remembered, but only the latest one of an ID is current.
type CertAuthStore interface {
	// HasCertHash reports whether hash was ever bound to any enrollment.
	HasCertHash(r *mdm.Request, hash string) (bool, error)

	// EnrollmentHasCertHash reports whether r.ID has any binding.
	EnrollmentHasCertHash(r *mdm.Request, hash string) (bool, error)

	// IsCertHashAssociated reports whether hash is the current binding of
	// r.ID, the one made by the latest AssociateCertHash for it.
	IsCertHashAssociated(r *mdm.Request, hash string) (bool, error)

	// AssociateCertHash makes hash the current binding of r.ID.
	AssociateCertHash(r *mdm.Request, hash string) error

	// EnrollmentFromHash returns the device channel ID hash is bound to,
	// or "" with no error when it is bound to none.
	EnrollmentFromHash(ctx context.Context, hash string) (string, error)
}

// MigrationStore streams stored check-ins so another server can rebuild
// its enrollments from them.
type MigrationStore interface {
	// RetrieveMigrationCheckins sends decoded check-in messages, or an
	// error for each stored message that cannot be decoded, to out. A
	// device's Authenticate comes before its TokenUpdate, and user channel
	// TokenUpdates come after their device's. It returns when done; the
	// caller closes out.
	RetrieveMigrationCheckins(ctx context.Context, out chan<- any) error
}

// AllStorage is the full set every backend implements.
type AllStorage interface {
	ServiceStore
	CommandEnqueuer
	PushStore
	PushCertStore
	CertAuthStore
	MigrationStore
}
