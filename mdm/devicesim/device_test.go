package devicesim_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/mdmforge/nanomdm/cryptoutil"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

// captured is one request the test server received.
type captured struct {
	method, path string
	header       http.Header
	body         []byte
}

// recorder is a test MDM server that keeps every request and replies
// with a fixed status and body.
type recorder struct {
	mu       sync.Mutex
	requests []captured
	status   int
	reply    []byte
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.requests = append(rec.requests, captured{r.Method, r.URL.Path, r.Header.Clone(), body})
	status, reply := rec.status, rec.reply
	rec.mu.Unlock()
	w.Header().Set("X-Test", "yes")
	w.WriteHeader(status)
	w.Write(reply)
}

func (rec *recorder) last(t *testing.T) captured {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.requests) == 0 {
		t.Fatal("server got no request")
	}
	return rec.requests[len(rec.requests)-1]
}

// newServer starts a recording server on 127.0.0.1 and returns a device
// with identity kt that talks to its /mdm path.
func newServer(t *testing.T, kt devicesim.KeyType) (*recorder, *devicesim.Device) {
	t.Helper()
	rec := &recorder{status: http.StatusOK}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	ca, err := devicesim.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	id, err := ca.NewIdentity(kt)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := devicesim.NewDevice(id, srv.URL+"/mdm")
	if err != nil {
		t.Fatal(err)
	}
	dev.Client = srv.Client()
	return rec, dev
}

// verifySigned checks that req carries a valid Mdm-Signature by dev over
// its body.
func verifySigned(t *testing.T, req captured, dev *devicesim.Device) {
	t.Helper()
	cert, err := cryptoutil.VerifyMdmSignature(req.header.Get("Mdm-Signature"), req.body)
	if err != nil {
		t.Fatalf("got signature error %v, want none", err)
	}
	if !cert.Equal(dev.Identity.Cert) {
		t.Errorf("got signer %q, want the device identity", cert.Subject)
	}
}

func TestSignatureVerifies(t *testing.T) {
	body := []byte("<plist><dict/></plist>")
	for _, kt := range []devicesim.KeyType{devicesim.RSA2048, devicesim.ECDSAP256} {
		t.Run(kt.String(), func(t *testing.T) {
			id, err := devicesim.NewSelfSignedIdentity(kt)
			if err != nil {
				t.Fatal(err)
			}
			sig, err := id.Sign(body)
			if err != nil {
				t.Fatal(err)
			}
			cert, err := cryptoutil.VerifyMdmSignature(sig, body)
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if !cert.Equal(id.Cert) {
				t.Errorf("got signer %q, want the identity", cert.Subject)
			}
			tampered := bytes.Replace(body, []byte("dict"), []byte("DICT"), 1)
			if _, err := cryptoutil.VerifyMdmSignature(sig, tampered); err == nil {
				t.Error("got no error for a tampered body, want one")
			}
		})
	}
}

func TestSendCapturedCheckin(t *testing.T) {
	rec, dev := newServer(t, devicesim.ECDSAP256)
	raw := readTestdata(t, "Authenticate.2.plist")

	if _, err := dev.SendCheckin(context.Background(), raw); err != nil {
		t.Fatal(err)
	}
	req := rec.last(t)
	if !bytes.Equal(req.body, raw) {
		t.Error("got a changed body, want the captured plist byte for byte")
	}
	verifySigned(t, req, dev)
	if got := req.header.Get("Content-Type"); got != devicesim.ContentTypeCheckin {
		t.Errorf("got Content-Type %q, want %q", got, devicesim.ContentTypeCheckin)
	}
}

func TestSendResponse(t *testing.T) {
	rec, dev := newServer(t, devicesim.ECDSAP256)
	rec.status = http.StatusGone
	rec.reply = []byte("Gone\n")

	resp, err := dev.ReportIdle(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusGone {
		t.Errorf("got status %d, want %d", resp.StatusCode, http.StatusGone)
	}
	if got := resp.Header.Get("X-Test"); got != "yes" {
		t.Errorf("got X-Test header %q, want %q", got, "yes")
	}
	if string(resp.Body) != "Gone\n" {
		t.Errorf("got body %q, want %q", resp.Body, "Gone\n")
	}
	req := rec.last(t)
	if req.method != http.MethodPut {
		t.Errorf("got method %s, want PUT", req.method)
	}
	if got := req.header.Get("Content-Type"); got != devicesim.ContentTypeReport {
		t.Errorf("got Content-Type %q, want %q", got, devicesim.ContentTypeReport)
	}
}

func TestCheckInURL(t *testing.T) {
	rec, dev := newServer(t, devicesim.ECDSAP256)
	dev.CheckInURL = dev.ServerURL[:len(dev.ServerURL)-len("/mdm")] + "/checkin"
	ctx := context.Background()

	if _, err := dev.Authenticate(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rec.last(t).path; got != "/checkin" {
		t.Errorf("got check-in path %q, want /checkin", got)
	}
	if _, err := dev.ReportIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rec.last(t).path; got != "/mdm" {
		t.Errorf("got report path %q, want /mdm", got)
	}
}

func TestCertModes(t *testing.T) {
	const header = "X-Client-Cert"
	tests := []struct {
		name       string
		mode       devicesim.CertMode
		wantHeader bool
	}{
		{name: "RFC 9440", mode: devicesim.CertRFC9440, wantHeader: true},
		{name: "escaped PEM", mode: devicesim.CertEscapedPEM, wantHeader: true},
		{name: "none", mode: devicesim.CertNone},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, dev := newServer(t, devicesim.RSA2048)
			dev.CertMode, dev.CertHeader = tc.mode, header
			if _, err := dev.ReportIdle(context.Background()); err != nil {
				t.Fatal(err)
			}
			req := rec.last(t)
			if sig := req.header.Get("Mdm-Signature"); sig != "" {
				t.Errorf("got Mdm-Signature %q, want none", sig)
			}
			value := req.header.Get(header)
			if !tc.wantHeader {
				if value != "" {
					t.Errorf("got %s %q, want none", header, value)
				}
				return
			}
			cert, err := cryptoutil.ParseCertHeader(value)
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if !cert.Equal(dev.Identity.Cert) {
				t.Errorf("got certificate %q, want the device identity", cert.Subject)
			}
		})
	}
}

func TestResponseCommand(t *testing.T) {
	command := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>CommandUUID</key><string>0001</string>
<key>Command</key><dict><key>RequestType</key><string>DeviceInformation</string></dict>
</dict></plist>`)

	cmd, err := (&devicesim.Response{Body: command}).Command()
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	if cmd.CommandUUID != "0001" || cmd.Command.RequestType != "DeviceInformation" {
		t.Errorf("got command %q %q, want 0001 DeviceInformation", cmd.CommandUUID, cmd.Command.RequestType)
	}

	if _, err := (&devicesim.Response{}).Command(); err != devicesim.ErrNoCommand {
		t.Errorf("got error %v for an empty body, want %v", err, devicesim.ErrNoCommand)
	}
	if _, err := (&devicesim.Response{Body: []byte("<plist><dict/></plist>")}).Command(); err != mdm.ErrInvalidCommand {
		t.Errorf("got error %v for a non-command, want %v", err, mdm.ErrInvalidCommand)
	}
}
