package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm/devicesim"
	"github.com/mdmforge/nanomdm/push/apns"
	"github.com/mdmforge/nanomdm/push/apns/apnstest"
)

// testAPIKey is the API key every harness server uses.
const testAPIKey = "e2e-secret"

// harness is a server built the way main builds it, from flags, served
// by httptest on 127.0.0.1, with a local APNs mock and webhook receiver.
type harness struct {
	t       testing.TB
	ca      *devicesim.CA
	server  *server
	http    *httptest.Server
	logs    *syncBuffer
	dump    *syncBuffer
	apns    *recorder
	webhook *recorder
}

// backend names a storage backend and how to reach it.
type backend struct {
	name, dsn string
}

// backends returns inmem and filekv, plus pgsql and mysql when their test
// DSNs are set in the environment.
func backends(t testing.TB) []backend {
	t.Helper()
	list := []backend{{name: "inmem"}, {name: "filekv", dsn: "kv"}}
	if dsn := os.Getenv("NANOMDM_TEST_PGSQL_DSN"); dsn != "" {
		list = append(list, backend{name: "pgsql", dsn: dsn})
	}
	if dsn := os.Getenv("NANOMDM_TEST_MYSQL_DSN"); dsn != "" {
		list = append(list, backend{name: "mysql", dsn: dsn})
	}
	return list
}

// newHarness starts a server on b with the API, a webhook, and the extra
// command-line args.
func newHarness(t testing.TB, b backend, args ...string) *harness {
	t.Helper()
	ca, err := devicesim.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	return newHarnessCA(t, b, ca, args...)
}

// newHarnessCA is newHarness with the device CA given, so that several
// servers can accept the same devices.
func newHarnessCA(t testing.TB, b backend, ca *devicesim.CA, args ...string) *harness {
	t.Helper()
	return newHarnessClient(t, b, ca, nil, args...)
}

// newHarnessClient is newHarnessCA with client, when not nil, sending the
// webhooks and Declarative Management requests, for example to shorten
// their timeout.
func newHarnessClient(t testing.TB, b backend, ca *devicesim.CA, client *http.Client, args ...string) *harness {
	t.Helper()
	dir := t.TempDir()
	caPath := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caPath, ca.PEM(), 0o600); err != nil {
		t.Fatal(err)
	}

	h := &harness{t: t, ca: ca, logs: &syncBuffer{}, dump: &syncBuffer{}}
	h.apns = newRecorder(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("apns-id", "APNS-"+strings.TrimPrefix(r.URL.Path, "/3/device/"))
	})
	apnsServer := apnstest.NewServer(t, h.apns)
	h.webhook = newRecorder(nil)
	hookServer := httptest.NewServer(h.webhook)
	t.Cleanup(hookServer.Close)

	dsn := b.dsn
	if b.name == "filekv" {
		dsn = filepath.Join(dir, b.dsn)
	}
	argv := append([]string{"nanomdm",
		"-ca", caPath,
		"-api", testAPIKey,
		"-storage", b.name, "-storage-dsn", dsn,
		"-webhook-url", hookServer.URL,
		"-apns-url", apnsServer.URL,
		"-debug",
	}, args...)
	var cfg config
	if err := parseFlags(&cfg, argv, func(string) (string, bool) { return "", false }, io.Discard); err != nil {
		t.Fatalf("parsing %q: %v", argv, err)
	}
	var err error
	h.server, err = newServer(&cfg, log.New(h.logs, true), dependencies{
		stdout:      h.dump,
		httpClient:  client,
		apnsOptions: []apns.Option{apns.WithRootCAs(apnstest.RootCAs(apnsServer))},
	})
	if err != nil {
		t.Fatalf("starting server: %v", err)
	}
	h.http = httptest.NewServer(h.server.handler)
	t.Cleanup(func() {
		h.http.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h.server.close(ctx)
		if t.Failed() {
			t.Logf("server log:\n%s", h.logs)
		}
	})
	return h
}

// newDevice returns a simulated device with a fresh identity from the
// harness CA, sending to /mdm.
func (h *harness) newDevice(opts ...devicesim.IdentityOption) *devicesim.Device {
	h.t.Helper()
	id, err := h.ca.NewIdentity(devicesim.ECDSAP256, opts...)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.deviceWith(id)
}

// deviceWith returns a simulated device presenting id.
func (h *harness) deviceWith(id *devicesim.Identity) *devicesim.Device {
	h.t.Helper()
	d, err := devicesim.NewDevice(id, h.http.URL+"/mdm")
	if err != nil {
		h.t.Fatal(err)
	}
	d.Client = h.http.Client()
	return d
}

// enroll sends Authenticate and TokenUpdate for a new device and checks
// both succeed.
func (h *harness) enroll() *devicesim.Device {
	h.t.Helper()
	d := h.newDevice()
	h.wantEmpty(d.Authenticate(h.t.Context()))
	h.wantEmpty(d.TokenUpdate(h.t.Context()))
	return d
}

// wantEmpty fails unless a device request got an empty 200.
func (h *harness) wantEmpty(resp *devicesim.Response, err error) {
	h.t.Helper()
	if err != nil {
		h.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || len(resp.Body) != 0 {
		h.t.Fatalf("got status %d and body %q, want an empty 200", resp.StatusCode, resp.Body)
	}
}

// wantCommand fails unless a device request got the command uuid.
func (h *harness) wantCommand(resp *devicesim.Response, err error, uuid string) {
	h.t.Helper()
	if err != nil {
		h.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("got status %d and body %q, want 200 with command %s", resp.StatusCode, resp.Body, uuid)
	}
	cmd, err := resp.Command()
	if err != nil {
		h.t.Fatalf("want command %s: %v", uuid, err)
	}
	if cmd.CommandUUID != uuid {
		h.t.Fatalf("got command %s, want %s", cmd.CommandUUID, uuid)
	}
}

// do sends a request to the server, with API credentials when auth is
// set, and returns the status and body.
func (h *harness) do(method, path string, body []byte, auth bool) (int, string) {
	h.t.Helper()
	req, err := http.NewRequestWithContext(h.t.Context(), method, h.http.URL+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if auth {
		req.SetBasicAuth("nanomdm", testAPIKey)
	}
	resp, err := h.http.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// uploadPushCert stores a stand-in push certificate for topic.
func (h *harness) uploadPushCert(topic string) {
	h.t.Helper()
	certPEM, keyPEM, err := devicesim.NewPushCert(topic)
	if err != nil {
		h.t.Fatal(err)
	}
	if status, body := h.do(http.MethodPut, "/v1/pushcert", append(certPEM, keyPEM...), true); status != http.StatusOK {
		h.t.Fatalf("uploading push cert: got status %d: %s", status, body)
	}
}

// newCommand returns a raw command plist with a fresh CommandUUID.
func newCommand(t testing.TB, requestType string) (uuid string, raw []byte) {
	t.Helper()
	uuid = fmt.Sprintf("E2E-%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), time.Now().UnixNano())
	return uuid, commandPlist(requestType, uuid)
}

// commandPlist returns a raw command plist with the given CommandUUID.
func commandPlist(requestType, uuid string) []byte {
	return fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Command</key>
	<dict>
		<key>RequestType</key>
		<string>%s</string>
	</dict>
	<key>CommandUUID</key>
	<string>%s</string>
</dict>
</plist>
`, requestType, uuid)
}
