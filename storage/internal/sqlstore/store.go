package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
)

// batchSize is how many IDs one statement carries. Two placeholders per
// ID stay well below the 65,535 placeholders MySQL and PostgreSQL take.
const batchSize = 1000

// Config configures a [Store]. DB and Dialect are required.
type Config struct {
	DB       *sql.DB
	Dialect  Dialect
	Features Features

	// Logger receives debug lines; nil discards them.
	Logger *slog.Logger

	// DeleteCommands turns on NanoMDM's delete option: a final report
	// deletes the enrollment's queue row and result instead of storing
	// the result, and the command once nothing refers to it.
	DeleteCommands bool
}

// Store implements [storage.AllStorage] on a database that holds NanoMDM's
// tables. It is safe for concurrent use.
type Store struct {
	db       *sql.DB
	dialect  Dialect
	features Features
	logger   *slog.Logger
	delete   bool
	st       statements

	text texts
}

// texts are statements run in transactions or rarely, translated once.
type texts struct {
	// Batch statements for a full batch of IDs.
	knownIDs, pushInfo, enqueue string

	lockCommand, deleteQueued, deleteResult, deleteUnusedCommand string
	storePushCert, pushCert, migrateDevices, migrateUsers        string
}

// statements are the prepared statements of the request path.
type statements struct {
	lastSeen, authenticate, deviceTokenUpdate, deviceTokenUpdateUnlock *sql.Stmt
	userTokenUpdate, userAuthenticate, userAuthenticateDigest          *sql.Stmt
	enrollmentUpsert, disableDevice, disableUser, tally                *sql.Stmt
	storeBootstrap, bootstrap                                          *sql.Stmt
	storeResult, storeNotNow, markAnswered, isPending                  *sql.Stmt
	nextCommand, nextCommandSkipNotNow, clearDevice, clearUser         *sql.Stmt
	staleToken, hasCertHash, enrollmentHasCertHash, currentHash        *sql.Stmt
	enrollmentFromHash                                                 *sql.Stmt

	// Single-ID forms of the batch statements, for the common one-device
	// enqueue and push.
	knownID, pushInfoOne, enqueueOne *sql.Stmt

	// Statements run in transactions, through Tx.StmtContext, which
	// prepares them once per connection. Text with arguments is prepared,
	// run and closed anew each time: three round trips on MySQL.
	insertCommand, deleteAssociation, insertAssociation *sql.Stmt

	// One-statement forms of a one-ID enqueue and a final report, nil
	// unless singleStatements holds.
	enqueueSingle, storeFinalSingle *sql.Stmt
}

// New prepares the statements of cfg.DB and returns a Store. It does not
// check the schema; the backends do that first.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.DB == nil {
		return nil, errors.New("sqlstore: nil database")
	}
	s := &Store{
		db:       cfg.DB,
		dialect:  cfg.Dialect,
		features: cfg.Features,
		logger:   cfg.Logger,
		delete:   cfg.DeleteCommands,
	}
	if s.logger == nil {
		s.logger = log.Nop()
	}

	s.text = newTexts(cfg.Dialect.Flavor)
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// newTexts translates the statements of [texts] into flavor.
func newTexts(flavor Flavor) texts {
	tr := flavor.translate
	return texts{
		knownIDs:            tr(fmt.Sprintf(qKnownIDs, tuples("?", batchSize))),
		pushInfo:            tr(fmt.Sprintf(qPushInfo, tuples("?", batchSize))),
		enqueue:             tr(qEnqueue + tuples("(?, ?)", batchSize)),
		lockCommand:         tr(qLockCommand),
		deleteQueued:        tr(qDeleteQueued),
		deleteResult:        tr(qDeleteResult),
		deleteUnusedCommand: tr(qDeleteUnusedCommand),
		storePushCert:       tr(qStorePushCert),
		pushCert:            tr(qPushCert),
		migrateDevices:      tr(qMigrateDevices),
		migrateUsers:        tr(qMigrateUsers),
	}
}

// prepare prepares every statement of s.st.
func (s *Store) prepare(ctx context.Context) error {
	f := s.features
	list := []struct {
		dst   **sql.Stmt
		query string
	}{
		{&s.st.lastSeen, qLastSeen},
		{&s.st.authenticate, qAuthenticate},
		{&s.st.deviceTokenUpdate, qDeviceTokenUpdate},
		{&s.st.deviceTokenUpdateUnlock, qDeviceTokenUpdateUnlock},
		{&s.st.userTokenUpdate, fmt.Sprintf(qUserUpsert, "token_update")},
		{&s.st.userAuthenticate, fmt.Sprintf(qUserUpsert, "user_authenticate")},
		{&s.st.userAuthenticateDigest, fmt.Sprintf(qUserUpsert, "user_authenticate_digest")},
		{&s.st.enrollmentUpsert, qEnrollmentUpsert},
		{&s.st.disableDevice, fmt.Sprintf(qDisable, "device_id")},
		{&s.st.disableUser, fmt.Sprintf(qDisable, "id")},
		{&s.st.tally, qTally},
		{&s.st.storeBootstrap, qStoreBootstrap},
		{&s.st.bootstrap, qBootstrap},
		{&s.st.storeResult, qStoreResult},
		{&s.st.storeNotNow, qStoreNotNow},
		{&s.st.markAnswered, qMarkAnswered},
		{&s.st.isPending, isPendingQuery(f)},
		{&s.st.nextCommand, nextCommandQuery(f, false)},
		{&s.st.nextCommandSkipNotNow, nextCommandQuery(f, true)},
		{&s.st.clearDevice, clearQueueQuery(s.dialect.Flavor, f, true)},
		{&s.st.clearUser, clearQueueQuery(s.dialect.Flavor, f, false)},
		{&s.st.staleToken, qStaleToken},
		{&s.st.hasCertHash, qHasCertHash},
		{&s.st.enrollmentHasCertHash, qEnrollmentHasCertHash},
		{&s.st.currentHash, currentHashQuery(f)},
		{&s.st.enrollmentFromHash, qEnrollmentFromHash},
		{&s.st.knownID, fmt.Sprintf(qKnownIDs, "?")},
		{&s.st.pushInfoOne, fmt.Sprintf(qPushInfo, "?")},
		{&s.st.enqueueOne, qEnqueue + "(?, ?)"},
		{&s.st.insertCommand, qInsertCommand},
		{&s.st.deleteAssociation, qDeleteAssociation},
		{&s.st.insertAssociation, qInsertAssociation},
	}
	if singleStatements(s.dialect.Flavor, f) {
		list = append(list, []struct {
			dst   **sql.Stmt
			query string
		}{
			{&s.st.enqueueSingle, qEnqueueSingle},
			{&s.st.storeFinalSingle, qStoreFinalSingle},
		}...)
	}
	for _, item := range list {
		if item.dst == &s.st.markAnswered && !f.AnsweredAt {
			continue
		}
		stmt, err := s.db.PrepareContext(ctx, s.dialect.Flavor.translate(item.query))
		if err != nil {
			return fmt.Errorf("preparing statement %q: %w", firstLine(item.query), err)
		}
		*item.dst = stmt
	}
	return nil
}

// Close closes the prepared statements. The database stays open: its
// owner closes it.
func (s *Store) Close() error {
	var errs []error
	for _, stmt := range []*sql.Stmt{
		s.st.lastSeen, s.st.authenticate, s.st.deviceTokenUpdate, s.st.deviceTokenUpdateUnlock,
		s.st.userTokenUpdate, s.st.userAuthenticate, s.st.userAuthenticateDigest,
		s.st.enrollmentUpsert, s.st.disableDevice, s.st.disableUser, s.st.tally,
		s.st.storeBootstrap, s.st.bootstrap,
		s.st.storeResult, s.st.storeNotNow, s.st.markAnswered, s.st.isPending,
		s.st.nextCommand, s.st.nextCommandSkipNotNow, s.st.clearDevice, s.st.clearUser,
		s.st.staleToken, s.st.hasCertHash, s.st.enrollmentHasCertHash, s.st.currentHash,
		s.st.enrollmentFromHash, s.st.knownID, s.st.pushInfoOne, s.st.enqueueOne,
		s.st.enqueueSingle, s.st.storeFinalSingle,
		s.st.insertCommand, s.st.deleteAssociation, s.st.insertAssociation,
	} {
		if stmt != nil {
			errs = append(errs, stmt.Close())
		}
	}
	return errors.Join(errs...)
}

// requestContext returns the context of r, or a background context for a
// request built without one.
func requestContext(r *mdm.Request) context.Context {
	if r.Context == nil {
		return context.Background()
	}
	return r.Context
}

// nullString returns nil for an empty string, so that the schema's CHECKs
// against empty values hold, and s otherwise.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// firstLine returns the first line of a query, for error messages.
func firstLine(query string) string {
	for i, r := range query {
		if r == '\n' {
			return query[:i]
		}
	}
	return query
}

// rollback rolls tx back after err and returns err, joined with any
// rollback failure.
func rollback(tx *sql.Tx, err error) error {
	if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
		return errors.Join(err, fmt.Errorf("rolling back: %w", rbErr))
	}
	return err
}

// NextCommandQuery returns the SQL [Store.RetrieveNextCommand] runs, with
// one parameter for the enrollment ID, so tests and operators can EXPLAIN
// it.
func (s *Store) NextCommandQuery(skipNotNow bool) string {
	return s.dialect.Flavor.translate(nextCommandQuery(s.features, skipNotNow))
}
