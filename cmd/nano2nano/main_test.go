package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage/file"
)

// writeFileStore stores one enrolled device with a user channel in a new
// deprecated file backend directory and returns the directory.
func writeFileStore(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	s, err := file.New(dir)
	if err != nil {
		t.Fatalf("file.New: %v", err)
	}
	dev := mdm.NewRequest(t.Context(), nil)
	dev.EnrollID = &mdm.EnrollID{Type: mdm.Device, ID: "DEV-1"}
	user := mdm.NewRequest(t.Context(), nil)
	user.EnrollID = &mdm.EnrollID{Type: mdm.User, ID: "DEV-1:USER-1", ParentID: "DEV-1"}

	auth := decode(t, checkinPlist(mdm.MessageAuthenticate, "DEV-1", "", "")).(*mdm.Authenticate)
	if err := s.StoreAuthenticate(dev, auth); err != nil {
		t.Fatalf("StoreAuthenticate: %v", err)
	}
	tu := decode(t, checkinPlist(mdm.MessageTokenUpdate, "DEV-1", "", tokenUpdateKeys)).(*mdm.TokenUpdate)
	if err := s.StoreTokenUpdate(dev, tu); err != nil {
		t.Fatalf("StoreTokenUpdate: %v", err)
	}
	userTU := decode(t, checkinPlist(mdm.MessageTokenUpdate, "DEV-1", "USER-1", tokenUpdateKeys)).(*mdm.TokenUpdate)
	if err := s.StoreTokenUpdate(user, userTU); err != nil {
		t.Fatalf("StoreTokenUpdate(user): %v", err)
	}
	return dir
}

// fileArgs returns the storage flags that open the file backend in dir.
func fileArgs(dir string) []string {
	return []string{"-storage", "file", "-storage-dsn", dir, "-storage-options", "enable_deprecated=1"}
}

func TestRunMigratesFileBackend(t *testing.T) {
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	dir := writeFileStore(t)

	var stdout, stderr bytes.Buffer
	args := append(fileArgs(dir), "-url", srv.URL+"/migration", "-key", "secret")
	if code := run(t.Context(), args, &stdout, &stderr, srv.Client()); code != 0 {
		t.Fatalf("run: got exit status %d, want 0\n%s", code, stderr.String())
	}
	var types []string
	for _, req := range rc.got() {
		msg := decode(t, req.body)
		id := "?"
		switch m := msg.(type) {
		case *mdm.Authenticate:
			id = "Authenticate " + m.Enrollment.Resolve().ID
		case *mdm.TokenUpdate:
			id = "TokenUpdate " + m.Enrollment.Resolve().ID
		}
		types = append(types, id)
	}
	want := []string{"Authenticate DEV-1", "TokenUpdate DEV-1", "TokenUpdate DEV-1:USER-1"}
	if strings.Join(types, ",") != strings.Join(want, ",") {
		t.Errorf("requests: got %q, want %q", types, want)
	}
	if !strings.Contains(stderr.String(), "msg=\"storage setup\" storage=file") {
		t.Errorf("log: missing the storage setup line in\n%s", stderr.String())
	}
}

func TestRunDryRun(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { requests.Add(1) }))
	defer srv.Close()
	dir := writeFileStore(t)

	tests := []struct {
		name  string
		extra []string
	}{
		{name: "no URL", extra: []string{"-key", "secret"}},
		{name: "no key", extra: []string{"-url", srv.URL}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), append(fileArgs(dir), tc.extra...), &stdout, &stderr, srv.Client())
			if code != 0 {
				t.Errorf("run: got exit status %d, want 0\n%s", code, stderr.String())
			}
			for _, line := range []string{
				"URL or API key not set; not sending server requests",
				"checkin=Authenticate device_id=DEV-1 type=Device",
				"checkin=TokenUpdate device_id=DEV-1 user_id=USER-1",
			} {
				if !strings.Contains(stderr.String(), line) {
					t.Errorf("log: missing %q in\n%s", line, stderr.String())
				}
			}
		})
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("requests in a dry run: got %d, want 0", n)
	}
}

func TestRunCommandLine(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "version", args: []string{"-version"}, wantStdout: "unknown\n"},
		{name: "help", args: []string{"-h"}, wantStderr: "-storage-options"},
		{name: "no dsn alias", args: []string{"-dsn", dir}, wantCode: 2, wantStderr: "flag provided but not defined: -dsn"},
		{name: "unpaired DSN", args: []string{"-storage", "file"}, wantCode: 1, wantStderr: "must have same number of storage and DSN flags"},
		{name: "unpaired options", args: []string{"-storage", "file", "-storage-dsn", dir, "-storage-options", "a", "-storage-options", "b"}, wantCode: 1, wantStderr: "must have same number of storage and storage options flags"},
		{name: "file not enabled", args: []string{"-storage", "file", "-storage-dsn", dir}, wantCode: 1, wantStderr: "file backend is deprecated; specify storage options to force enable"},
		{name: "unknown storage", args: []string{"-storage", "nosuch", "-storage-dsn", dir}, wantCode: 1, wantStderr: "unknown storage: nosuch"},
		{name: "relative URL", args: append(fileArgs(dir), "-url", "/migration", "-key", "k"), wantCode: 1, wantStderr: `invalid -url "/migration"`},
		{name: "bad URL scheme", args: append(fileArgs(dir), "-url", "ftp://127.0.0.1/migration", "-key", "k"), wantCode: 1, wantStderr: "want an http or https URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), tc.args, &stdout, &stderr, http.DefaultClient)
			if code != tc.wantCode {
				t.Errorf("exit status: got %d, want %d\n%s", code, tc.wantCode, stderr.String())
			}
			if tc.wantStdout != "" && stdout.String() != tc.wantStdout {
				t.Errorf("stdout: got %q, want %q", stdout.String(), tc.wantStdout)
			}
			if !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Errorf("stderr: got %q, want it to contain %q", stderr.String(), tc.wantStderr)
			}
		})
	}
}

func TestRunRejectedByServer(t *testing.T) {
	rc := &receiver{statusFor: func([]byte) int { return http.StatusUnauthorized }}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	dir := writeFileStore(t)

	var stdout, stderr bytes.Buffer
	args := append(fileArgs(dir), "-url", srv.URL, "-key", "wrong")
	if code := run(t.Context(), args, &stdout, &stderr, srv.Client()); code != 1 {
		t.Errorf("run: got exit status %d, want 1", code)
	}
	if got := len(rc.got()); got != 3 {
		t.Errorf("requests: got %d, want all 3 tried", got)
	}
	if n := strings.Count(stderr.String(), "Check-in Request failed with HTTP status: 401"); n != 3 {
		t.Errorf("log: got %d failures with status 401, want 3\n%s", n, stderr.String())
	}
}
