package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

// fleetTimeout bounds one delivery scenario.
const fleetTimeout = 2 * time.Minute

func TestServersShareDatabase(t *testing.T) {
	list := sqlBackends(t)
	if len(list) == 0 {
		t.Skip("NANOMDM_TEST_PGSQL_DSN and NANOMDM_TEST_MYSQL_DSN are unset")
	}
	tests := []struct {
		name       string
		concurrent bool
	}{
		{name: "one device at a time", concurrent: false},
		{name: "concurrent enrollment and pollers", concurrent: true},
	}
	for _, b := range list {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				f := newInProcessFleet(t, b, 2)
				ctx, cancel := context.WithTimeout(t.Context(), fleetTimeout)
				defer cancel()
				enroll := f.enroll
				if tt.concurrent {
					enroll = f.enrollConcurrently
				}
				f.deliver(ctx, enroll(ctx, 24), 3, tt.concurrent)
			})
		}
	}
}

func TestPushCertSharedBetweenServers(t *testing.T) {
	list := sqlBackends(t)
	if len(list) == 0 {
		t.Skip("NANOMDM_TEST_PGSQL_DSN and NANOMDM_TEST_MYSQL_DSN are unset")
	}
	for _, b := range list {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ca, err := devicesim.NewCA()
			if err != nil {
				t.Fatal(err)
			}
			uploader, pusher := newHarnessCA(t, b, ca), newHarnessCA(t, b, ca)
			f := newFleet(t, ca, harnessNode(uploader), harnessNode(pusher))
			dev := f.enroll(t.Context(), 1)[0]
			path := "/3/device/" + hex.EncodeToString(dev.Token)

			// The second upload replaces the certificate the pushing
			// server already loaded, which it must notice.
			for i := range 2 {
				certPEM, keyPEM, err := devicesim.NewPushCert(dev.Topic)
				if err != nil {
					t.Fatal(err)
				}
				if status, body := uploader.do(http.MethodPut, "/v1/pushcert", append(certPEM, keyPEM...), true); status != http.StatusOK {
					t.Fatalf("uploading push cert %d: got status %d: %s", i+1, status, body)
				}
				if status, body := pusher.do(http.MethodGet, "/v1/push/"+dev.UDID, nil, true); status != http.StatusOK {
					t.Fatalf("push %d: got status %d: %s", i+1, status, body)
				}
				got := pusher.apns.waitFor(t, i+1, func(r recorded) bool { return r.Path == path })[i]
				block, _ := pem.Decode(certPEM)
				if got.ClientCert == nil || !bytes.Equal(got.ClientCert.Raw, block.Bytes) {
					t.Errorf("push %d: APNs got a client certificate other than the one uploaded last", i+1)
				}
			}
		})
	}
}

func TestReenrollmentSeenByOtherServer(t *testing.T) {
	list := sqlBackends(t)
	if len(list) == 0 {
		t.Skip("NANOMDM_TEST_PGSQL_DSN and NANOMDM_TEST_MYSQL_DSN are unset")
	}
	for _, b := range list {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := newInProcessFleet(t, b, 2)
			ctx := t.Context()
			dev := f.enroll(ctx, 1)[0]
			oldID := dev.Identity

			// Server 0 serves the old certificate before the device
			// enrolls again with a new one through server 1.
			f.use(dev, 0)
			if err := expectEmpty("Idle")(dev.ReportIdle(ctx)); err != nil {
				t.Fatal(err)
			}
			newID, err := f.ca.NewIdentity(devicesim.ECDSAP256)
			if err != nil {
				t.Fatal(err)
			}
			dev.Identity = newID
			f.use(dev, 1)
			if err := expectEmpty("Authenticate")(dev.Authenticate(ctx)); err != nil {
				t.Fatal(err)
			}
			if err := expectEmpty("TokenUpdate")(dev.TokenUpdate(ctx)); err != nil {
				t.Fatal(err)
			}

			f.use(dev, 0)
			dev.Identity = oldID
			resp, err := dev.ReportIdle(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusInternalServerError {
				t.Errorf("Idle with the replaced certificate: got status %d, want 500 as for any certificate not bound last", resp.StatusCode)
			}
			dev.Identity = newID
			if err := expectEmpty("Idle with the new certificate")(dev.ReportIdle(ctx)); err != nil {
				t.Error(err)
			}
		})
	}
}
