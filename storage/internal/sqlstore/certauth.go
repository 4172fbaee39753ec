package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/mdmforge/nanomdm/mdm"
)

// HasCertHash reports whether hash was ever bound to any enrollment.
func (s *Store) HasCertHash(r *mdm.Request, hash string) (bool, error) {
	return s.rowExists(requestContext(r), s.st.hasCertHash, strings.ToLower(hash))
}

// EnrollmentHasCertHash reports whether r.ID has any binding. The hash is
// not used.
func (s *Store) EnrollmentHasCertHash(r *mdm.Request, _ string) (bool, error) {
	return s.rowExists(requestContext(r), s.st.enrollmentHasCertHash, r.ID)
}

// IsCertHashAssociated reports whether hash is the current binding of
// r.ID: the one its latest [Store.AssociateCertHash] made.
func (s *Store) IsCertHashAssociated(r *mdm.Request, hash string) (bool, error) {
	// NOTE(parity): NanoMDM's SQL backends accept every hash ever bound to
	// the ID, so an old certificate keeps working after re-enrollment.
	var current string
	err := s.st.currentHash.QueryRowContext(requestContext(r), r.ID).Scan(&current)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("retrieving certificate binding of %s: %w", r.ID, err)
	}
	return strings.EqualFold(current, hash), nil
}

// AssociateCertHash makes hash the current binding of r.ID. Earlier
// bindings stay, so [Store.EnrollmentFromHash] still finds them.
func (s *Store) AssociateCertHash(r *mdm.Request, hash string) error {
	// The binding is deleted and inserted again, rather than updated, so
	// that it gets a new association_order and updated_at.
	// On MySQL both statements lock the gap where a missing row would go,
	// so two first bindings of neighboring IDs can deadlock. inTx then
	// runs the aborted one again.
	ctx := requestContext(r)
	hash = strings.ToLower(hash)
	return s.inTx(ctx, "binding certificate to "+r.ID, func(tx *sql.Tx) error {
		if _, err := tx.StmtContext(ctx, s.st.deleteAssociation).ExecContext(ctx, r.ID, hash); err != nil {
			return err
		}
		_, err := tx.StmtContext(ctx, s.st.insertAssociation).ExecContext(ctx, r.ID, hash)
		return err
	})
}

// EnrollmentFromHash returns the device channel ID hash was most recently
// bound to, current or not, or "" when it was never bound.
func (s *Store) EnrollmentFromHash(ctx context.Context, hash string) (string, error) {
	var id string
	err := s.st.enrollmentFromHash.QueryRowContext(ctx, strings.ToLower(hash)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("retrieving enrollment of certificate hash: %w", err)
	}
	return id, nil
}

// rowExists reports whether the single-row query stmt returns a row.
func (s *Store) rowExists(ctx context.Context, stmt *sql.Stmt, arg string) (bool, error) {
	var one int
	err := stmt.QueryRowContext(ctx, arg).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("looking up certificate binding: %w", err)
	}
	return true, nil
}
