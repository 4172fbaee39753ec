package main

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/micromdm/plist"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

// capturedAuthenticate is an Authenticate check-in a real Mac sent. The
// simulated device signs and sends it unchanged.
//
//go:embed testdata/Authenticate.2.plist
var capturedAuthenticate []byte

// pki is the throwaway CA and the device identity it issued.
type pki struct {
	ca       *devicesim.CA
	identity *devicesim.Identity
}

func newPKI() (*pki, error) {
	ca, err := devicesim.NewCA()
	if err != nil {
		return nil, fmt.Errorf("making CA: %w", err)
	}
	if err := ca.WriteFiles(dir); err != nil {
		return nil, fmt.Errorf("writing CA files: %w", err)
	}
	id, err := ca.NewIdentity(devicesim.RSA2048)
	if err != nil {
		return nil, fmt.Errorf("making device identity: %w", err)
	}
	if err := id.WriteFiles(dir, "device"); err != nil {
		return nil, fmt.Errorf("writing device identity: %w", err)
	}
	detail("wrote %s, %s", filepath.Join(dir, "ca.pem"), filepath.Join(dir, "device.pem"))
	return &pki{ca: ca, identity: id}, nil
}

// tour enrolls the captured device, queues a command and lets the device
// fetch and acknowledge it.
func tour(ctx context.Context, srv *server, p *pki) error {
	dev, err := newCapturedDevice(p.identity, srv)
	if err != nil {
		return err
	}

	step("Uploading a stand-in APNs push certificate for topic %s", dev.Topic)
	if err := uploadPushCert(ctx, srv, dev.Topic); err != nil {
		return err
	}

	step("Enrolling the Mac %s (serial %s) from a captured Authenticate", dev.UDID, dev.SerialNumber)
	if err := expectEmpty(dev.SendCheckin(ctx, capturedAuthenticate)); err != nil {
		return fmt.Errorf("sending Authenticate: %w", err)
	}
	detail("Authenticate accepted")
	if err := expectEmpty(dev.TokenUpdate(ctx)); err != nil {
		return fmt.Errorf("TokenUpdate: %w", err)
	}
	detail("TokenUpdate accepted: the device is enrolled")

	uuid, err := enqueueDeviceInformation(ctx, srv, dev.UDID)
	if err != nil {
		return err
	}
	return fetchAndAcknowledge(ctx, dev, uuid)
}

// newCapturedDevice returns a simulated device with the identity keys and
// topic of the captured Authenticate.
func newCapturedDevice(id *devicesim.Identity, srv *server) (*devicesim.Device, error) {
	var captured mdm.Authenticate
	if err := plist.Unmarshal(capturedAuthenticate, &captured); err != nil {
		return nil, fmt.Errorf("decoding captured Authenticate: %w", err)
	}
	dev, err := devicesim.NewDevice(id, srv.url+"/mdm")
	if err != nil {
		return nil, fmt.Errorf("making device: %w", err)
	}
	dev.Client = srv.client
	dev.UDID = captured.UDID
	dev.SerialNumber = captured.SerialNumber
	dev.Topic = captured.Topic
	dev.Channel.Enrollment = mdm.Enrollment{UDID: captured.UDID}
	return dev, nil
}

func uploadPushCert(ctx context.Context, srv *server, topic string) error {
	certPEM, keyPEM, err := devicesim.NewPushCert(topic)
	if err != nil {
		return fmt.Errorf("making push certificate: %w", err)
	}
	body, err := srv.api(ctx, http.MethodPut, "/v1/pushcert", append(certPEM, keyPEM...))
	if err != nil {
		return err
	}
	detail("PUT /v1/pushcert -> %s", oneLine(body))
	return nil
}

func enqueueDeviceInformation(ctx context.Context, srv *server, udid string) (string, error) {
	uuid := newUUID()
	step("Queuing DeviceInformation %s without a push", uuid)
	command := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Command</key>
	<dict>
		<key>RequestType</key>
		<string>DeviceInformation</string>
		<key>Queries</key>
		<array>
			<string>DeviceName</string>
			<string>OSVersion</string>
		</array>
	</dict>
	<key>CommandUUID</key>
	<string>%s</string>
</dict>
</plist>
`, uuid)
	body, err := srv.api(ctx, http.MethodPut, "/v1/enqueue/"+udid+"?nopush=1", []byte(command))
	if err != nil {
		return "", err
	}
	detail("PUT /v1/enqueue/%s?nopush=1 -> %s", udid, oneLine(body))
	return uuid, nil
}

func fetchAndAcknowledge(ctx context.Context, dev *devicesim.Device, uuid string) error {
	step("The device polls with Idle and receives the command")
	resp, err := dev.ReportIdle(ctx)
	if err != nil {
		return err
	}
	cmd, err := resp.Command()
	if err != nil {
		return fmt.Errorf("reply to Idle: got status %d and no command: %w", resp.StatusCode, err)
	}
	if cmd.CommandUUID != uuid {
		return fmt.Errorf("got command %s, want %s", cmd.CommandUUID, uuid)
	}
	detail("received %s %s (%d bytes, exactly as queued):", cmd.Command.RequestType, cmd.CommandUUID, len(resp.Body))
	for _, line := range strings.Split(strings.TrimSpace(string(resp.Body)), "\n") {
		detail("  %s", line)
	}

	step("The device acknowledges it with its answers")
	answers := map[string]any{"QueryResponses": map[string]any{"DeviceName": "Fruit", "OSVersion": "10.12.6"}}
	if err := expectEmpty(dev.ReportAcknowledged(ctx, uuid, answers)); err != nil {
		return fmt.Errorf("sending Acknowledged: %w", err)
	}
	detail("Acknowledged accepted; the queue is now empty")
	return nil
}

// api sends an authenticated API request and returns the body of a 2xx
// response.
func (s *server) api(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.url+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth("nanomdm", s.apiKey)
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading %s %s response: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: got status %d: %s", method, path, resp.StatusCode, respBody)
	}
	return respBody, nil
}

// expectEmpty checks that a device request got an empty 200.
func expectEmpty(resp *devicesim.Response, err error) error {
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || len(resp.Body) != 0 {
		return fmt.Errorf("got status %d and body %q, want an empty 200", resp.StatusCode, resp.Body)
	}
	return nil
}

func oneLine(b []byte) string {
	return strings.Join(strings.Fields(string(b)), " ")
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%X-%X-%X-%X-%X", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
