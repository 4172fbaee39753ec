package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/mdmforge/nanomdm/cryptoutil"
	"github.com/mdmforge/nanomdm/http/api"
	httpmdm "github.com/mdmforge/nanomdm/http/mdm"
	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/mdm/devicesim"
	"github.com/mdmforge/nanomdm/service/certauth"
	"github.com/mdmforge/nanomdm/service/nanomdm"
	"github.com/mdmforge/nanomdm/storage"
	"github.com/mdmforge/nanomdm/storage/filekv"
	"github.com/mdmforge/nanomdm/storage/pgsql"
)

// apiKey is the API key of the test servers.
const apiKey = "migration-test-key"

// newMDMServer starts a server on store wired as cmd/nanomdm wires one
// with -api, -migration and, when retro is set, -retro. Its /mdm route
// runs the device certificate checks and certauth in front of the core
// service, and /migration sends check-ins straight to the core service.
func newMDMServer(t *testing.T, store storage.AllStorage, ca *devicesim.CA, retro bool, logs io.Writer) *httptest.Server {
	t.Helper()
	verifier, err := cryptoutil.NewVerifier(ca.PEM(), nil)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	logger := log.New(logs, true)
	core := nanomdm.New(store, nanomdm.WithLogger(logger))
	authOpts := []certauth.Option{certauth.WithLogger(logger)}
	if retro {
		authOpts = append(authOpts, certauth.WithRetroactive())
	}
	svc := certauth.New(core, store, authOpts...)

	mux := http.NewServeMux()
	mux.Handle("/mdm", httpmdm.CertExtractMdmSignature(
		httpmdm.CertVerify(verifier, httpmdm.CheckinAndCommandHandler(svc, httpmdm.WithLogger(logger)))))
	mux.Handle("/migration", api.BasicAuth(apiKey, httpmdm.MigrationHandler(core, httpmdm.WithLogger(logger))))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// pgsqlStore opens the database NANOMDM_TEST_PGSQL_DSN names, or skips t.
func pgsqlStore(t *testing.T) *pgsql.Storage {
	t.Helper()
	dsn := os.Getenv("NANOMDM_TEST_PGSQL_DSN")
	if dsn == "" {
		t.Skip("NANOMDM_TEST_PGSQL_DSN not set")
	}
	s, err := pgsql.New(pgsql.WithDSN(dsn))
	if err != nil {
		t.Fatalf("opening pgsql: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// mustSend returns a check that fails the test unless the request of
// step got status want.
func mustSend(t *testing.T, step string, want int) func(*devicesim.Response, error) *devicesim.Response {
	return func(resp *devicesim.Response, err error) *devicesim.Response {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if resp.StatusCode != want {
			t.Fatalf("%s: got status %d, want %d: %s", step, resp.StatusCode, want, resp.Body)
		}
		return resp
	}
}

// fleet is the set of devices enrolled on the old server.
type fleet struct {
	mac, macUser, laptop, checkedOut *devicesim.Channel
	bootstrap                        []byte
}

// enrollFleet enrolls, on the server at url: a Mac with a user channel,
// a second Mac that escrows a bootstrap token, and a third Mac that
// checks out again and so must not be migrated.
func enrollFleet(t *testing.T, ca *devicesim.CA, url string) *fleet {
	t.Helper()
	ctx := t.Context()
	newMac := func() *devicesim.Device {
		id, err := ca.NewIdentity(devicesim.ECDSAP256)
		if err != nil {
			t.Fatalf("NewIdentity: %v", err)
		}
		d, err := devicesim.NewDevice(id, url)
		if err != nil {
			t.Fatalf("NewDevice: %v", err)
		}
		mustSend(t, "Authenticate", http.StatusOK)(d.Authenticate(ctx))
		mustSend(t, "TokenUpdate", http.StatusOK)(d.TokenUpdate(ctx))
		return d
	}
	f := &fleet{bootstrap: []byte("escrowed-bootstrap-token")}
	mac, laptop, checkedOut := newMac(), newMac(), newMac()
	user, err := mac.UserChannel("B1C2D3E4-0000-4000-8000-0000000000AA", "jdoe", "Jane Doe")
	if err != nil {
		t.Fatalf("UserChannel: %v", err)
	}
	mustSend(t, "user TokenUpdate", http.StatusOK)(user.TokenUpdate(ctx))
	mustSend(t, "SetBootstrapToken", http.StatusOK)(laptop.SetBootstrapToken(ctx, f.bootstrap))
	mustSend(t, "CheckOut", http.StatusOK)(checkedOut.CheckOut(ctx))
	f.mac, f.macUser, f.laptop, f.checkedOut = &mac.Channel, user, &laptop.Channel, &checkedOut.Channel
	return f
}

// moveTo points every device of f at the server at url.
func (f *fleet) moveTo(url string) {
	for _, c := range []*devicesim.Channel{f.mac, f.laptop, f.checkedOut} {
		c.Device().ServerURL = url
	}
}

// TestMigrateFileKVToPgSQL enrolls devices on a server backed by filekv,
// copies them with nano2nano through the /migration endpoint of a server
// backed by PostgreSQL, and checks that the devices then get their
// queued commands there, binding their certificates on first contact.
func TestMigrateFileKVToPgSQL(t *testing.T) {
	target := pgsqlStore(t)
	ctx := t.Context()
	var logs bytes.Buffer
	ca, err := devicesim.NewCA()
	if err != nil {
		t.Fatalf("NewCA: %v", err)
	}

	kvDir := filepath.Join(t.TempDir(), "kv")
	source, err := filekv.New(kvDir)
	if err != nil {
		t.Fatalf("filekv.New: %v", err)
	}
	oldServer := newMDMServer(t, source, ca, false, &logs)
	f := enrollFleet(t, ca, oldServer.URL+"/mdm")
	oldServer.Close()

	newServer := newMDMServer(t, target, ca, true, &logs)
	var stdout, stderr bytes.Buffer
	args := []string{"-storage", "filekv", "-storage-dsn", kvDir, "-url", newServer.URL + "/migration", "-key", apiKey}
	if code := run(ctx, args, &stdout, &stderr, newServer.Client()); code != 0 {
		t.Fatalf("nano2nano: got exit status %d, want 0\n%s", code, stderr.String())
	}

	checkMigratedQueue(t, target, f, newServer.URL+"/mdm", ca)
	if t.Failed() {
		t.Logf("nano2nano output:\n%s\nserver logs:\n%s", stderr.String(), logs.String())
	}
}

// checkMigratedQueue enqueues a command to every device of f on target
// and checks that each migrated channel fetches and acknowledges it, and
// that the checked-out Mac was not migrated.
func checkMigratedQueue(t *testing.T, target storage.AllStorage, f *fleet, url string, ca *devicesim.CA) {
	t.Helper()
	ctx := t.Context()
	cmd, err := mdm.DecodeCommand(commandFor())
	if err != nil {
		t.Fatalf("DecodeCommand: %v", err)
	}
	ids := []string{f.mac.ID(), f.macUser.ID(), f.laptop.ID(), f.checkedOut.ID()}
	idErrs, err := target.EnqueueCommand(ctx, ids, cmd)
	if err != nil {
		t.Fatalf("EnqueueCommand: %v", err)
	}
	if len(idErrs) != 1 || !errors.Is(idErrs[f.checkedOut.ID()], storage.ErrEnrollmentNotFound) {
		t.Errorf("EnqueueCommand per-ID errors: got %v, want only %s not found", idErrs, f.checkedOut.ID())
	}

	// A migrated device has no certificate binding yet, so a server
	// without -retro rejects it. With -retro its first request binds the
	// certificate it already has.
	f.moveTo(newMDMServer(t, target, ca, false, io.Discard).URL + "/mdm")
	mustSend(t, "Idle without -retro", http.StatusInternalServerError)(f.mac.ReportIdle(ctx))
	f.moveTo(url)

	for _, c := range []*devicesim.Channel{f.mac, f.macUser, f.laptop} {
		resp := mustSend(t, "Idle from "+c.ID(), http.StatusOK)(c.ReportIdle(ctx))
		got, err := resp.Command()
		if err != nil {
			t.Fatalf("command for %s: %v", c.ID(), err)
		}
		if got.CommandUUID != cmd.CommandUUID {
			t.Errorf("command for %s: got %s, want %s", c.ID(), got.CommandUUID, cmd.CommandUUID)
		}
		resp = mustSend(t, "Acknowledged from "+c.ID(), http.StatusOK)(c.ReportAcknowledged(ctx, cmd.CommandUUID, nil))
		if len(resp.Body) != 0 {
			t.Errorf("reply to Acknowledged from %s: got %q, want no command", c.ID(), resp.Body)
		}
	}

	resp := mustSend(t, "GetBootstrapToken", http.StatusOK)(f.laptop.GetBootstrapToken(ctx))
	if !bytes.Contains(resp.Body, []byte("ZXNjcm93ZWQtYm9vdHN0cmFwLXRva2Vu")) {
		t.Errorf("GetBootstrapToken: got %s, want the escrowed token", resp.Body)
	}
}

// commandFor returns a ProfileList command with a fresh random UUID.
func commandFor() []byte {
	return []byte(plistHeader + "<dict>\n<key>Command</key><dict><key>RequestType</key><string>ProfileList</string></dict>\n" +
		"<key>CommandUUID</key><string>" + rand.Text() + "</string>\n</dict></plist>\n")
}
