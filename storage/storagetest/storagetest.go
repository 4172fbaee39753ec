// Package storagetest is the behavioral suite every storage backend
// passes. A backend's test calls [Run] with a constructor; the suite then
// drives every method of [storage.AllStorage] through the check-in, queue,
// push, certificate and migration cases the server relies on.
//
// Each case uses enrollment IDs, command UUIDs and push topics with a
// random part, so the suite can run against a long-lived database that
// already holds data, and its cases run in parallel.
package storagetest

import (
	"crypto/rand"
	"fmt"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/storage"
)

// Option changes how [Run] sizes its cases.
type Option func(*config)

type config struct {
	knownIDs   int
	unknownIDs int
	history    int
	skip       map[string]string // case name to the reason it is skipped
}

// WithManyIDs sets the size of the large enqueue case: known enrolled IDs
// plus unknown IDs in one EnqueueCommand call. The defaults are 2,000
// known and 70,000 unknown IDs, which is more than one SQL statement can
// take as placeholders.
func WithManyIDs(known, unknown int) Option {
	return func(c *config) {
		c.knownIDs = known
		c.unknownIDs = unknown
	}
}

// WithHistory sets how many answered commands the large-history case
// leaves behind before it checks that the queue still behaves. The
// default is 300.
func WithHistory(n int) Option {
	return func(c *config) { c.history = n }
}

// WithSkip skips the case called name, logging reason. It is for a
// backend whose stored format cannot support what the case checks, such
// as NanoMDM's deprecated file layout.
func WithSkip(name, reason string) Option {
	return func(c *config) {
		if c.skip == nil {
			c.skip = make(map[string]string)
		}
		c.skip[name] = reason
	}
}

// Run runs the whole suite. newStore is called once per case and may
// return a fresh store or the same long-lived one; it registers any
// cleanup with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) storage.AllStorage, opts ...Option) {
	cfg := config{knownIDs: 2000, unknownIDs: 70000, history: 300}
	for _, opt := range opts {
		opt(&cfg)
	}

	for _, tc := range suiteCases(cfg) {
		t.Run(tc.name, func(t *testing.T) {
			if reason, ok := cfg.skip[tc.name]; ok {
				t.Skip(reason)
			}
			t.Parallel()
			tc.run(t, &env{t: t, s: newStore(t)})
		})
	}
}

// suiteCase is one named case of the suite.
type suiteCase struct {
	name string
	run  func(*testing.T, *env)
}

// suiteCases returns every case, sized by cfg.
func suiteCases(cfg config) []suiteCase {
	return []suiteCase{
		{"tally", testTally},
		{"tally unknown ID", testTallyUnknown},
		{"reauthenticate resets channels", testReauthenticate},
		{"disable device channel", testDisableDevice},
		{"disable user channel", testDisableUser},
		{"bootstrap token", testBootstrapToken},
		{"bootstrap token user channel", testBootstrapTokenUserChannel},
		{"user authenticate", testUserAuthenticate},
		{"user enrollment", testUserEnrollment},
		{"queue FIFO", testQueueFIFO},
		{"queue NotNow", testQueueNotNow},
		{"queue answered leaves for good", testQueueAnsweredLeaves},
		{"queue report not queued", testQueueReportNotQueued},
		{"queue report other enrollment", testQueueReportOtherEnrollment},
		{"queue NotNow after final", testQueueNotNowAfterFinal},
		{"queue clear", testQueueClear},
		{"queue clear then late report", testQueueClearLateReport},
		{"queue binary plist report", testQueueBinaryReport},
		{"queue order within one second", testQueueOrderSameSecond},
		{"queue large history", func(t *testing.T, e *env) { testQueueLargeHistory(t, e, cfg.history) }},
		{"queue concurrent devices", testQueueConcurrent},
		{"enqueue unknown IDs", testEnqueueUnknown},
		{"enqueue all unknown", testEnqueueAllUnknown},
		{"enqueue authenticated only", testEnqueueAuthenticatedOnly},
		{"enqueue duplicate UUID", testEnqueueDuplicate},
		{"enqueue many IDs", func(t *testing.T, e *env) { testEnqueueMany(t, e, cfg.knownIDs, cfg.unknownIDs) }},
		{"push info", testPushInfo},
		{"push info user channel", testPushInfoUserChannel},
		{"push cert", testPushCert},
		{"push cert invalid topic", testPushCertInvalidTopic},
		{"push cert unknown topic", testPushCertUnknown},
		{"cert auth", testCertAuth},
		{"cert auth reassociate", testCertAuthReassociate},
		{"cert auth unknown", testCertAuthUnknown},
		{"migration order", testMigration},
	}
}

// randomID returns n random bytes as uppercase hex.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return strings.ToUpper(fmt.Sprintf("%x", b))
}

// newUDID returns a random ID shaped like a macOS UDID.
func newUDID() string {
	s := randomID(16)
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// newCommandUUID returns a random lowercase UUID-shaped command UUID.
func newCommandUUID() string {
	return strings.ToLower(newUDID())
}
