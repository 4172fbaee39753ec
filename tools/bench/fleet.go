package main

import (
	"bytes"
	"context"
	"crypto"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

// fleet is the set of simulated devices and the HTTP client they share.
type fleet struct {
	opts    *options
	ca      *devicesim.CA
	caPEM   []byte
	keyType devicesim.KeyType
	key     crypto.Signer // one key for every identity, so minting is cheap
	client  *http.Client
	srv     *server

	devices []*device
}

// device is one simulated device with what it sends again and again.
type device struct {
	sim        *devicesim.Device
	certHeader string // RFC 9440 value, in -cert-header mode
	idle       []byte
	idleSig    string // signature of idle, with -presign-idle
}

// newFleet makes the CA and the key that every device identity uses. The
// identities themselves are made when the devices enroll.
func newFleet(o *options, tmp string) (*fleet, error) {
	ca, err := devicesim.NewCA()
	if err != nil {
		return nil, fmt.Errorf("making CA: %w", err)
	}
	keyType := devicesim.ECDSAP256
	if o.keyType == "rsa" {
		keyType = devicesim.RSA2048
	}
	key, err := devicesim.NewKey(keyType)
	if err != nil {
		return nil, fmt.Errorf("making device key: %w", err)
	}
	transport := &http.Transport{
		MaxIdleConns:        2 * o.concurrency,
		MaxIdleConnsPerHost: 2 * o.concurrency,
		IdleConnTimeout:     time.Minute,
	}
	return &fleet{
		opts:    o,
		keyType: keyType,
		ca:      ca,
		caPEM:   ca.PEM(),
		key:     key,
		client:  &http.Client{Transport: transport, Timeout: 30 * time.Second},
		devices: make([]*device, o.devices),
	}, nil
}

// connect points the fleet at srv.
func (f *fleet) connect(srv *server) { f.srv = srv }

// newDevice mints an identity and returns a device that reports to the
// server's /mdm route.
func (f *fleet) newDevice() (*device, error) {
	id, err := f.ca.NewIdentity(f.keyType, devicesim.WithKey(f.key))
	if err != nil {
		return nil, fmt.Errorf("minting identity: %w", err)
	}
	sim, err := devicesim.NewDevice(id, f.srv.url+"/mdm")
	if err != nil {
		return nil, err
	}
	d := &device{sim: sim}
	if f.opts.certHeader {
		d.certHeader = id.RFC9440Header()
	}
	if d.idle, err = sim.ReportMessage("Idle", "", nil); err != nil {
		return nil, err
	}
	if f.opts.presignIdle && !f.opts.certHeader {
		if d.idleSig, err = id.Sign(d.idle); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// send PUTs body to the device's route, presenting its identity, and
// returns the response body. A status other than 200 is an error.
func (f *fleet) send(ctx context.Context, d *device, contentType string, body []byte, sig string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, d.sim.ServerURL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "MDM/1.0")
	switch {
	case d.certHeader != "":
		req.Header.Set(certHeaderName, d.certHeader)
	case sig != "":
		req.Header.Set("Mdm-Signature", sig)
	default:
		if sig, err = d.sim.Identity.Sign(body); err != nil {
			return nil, fmt.Errorf("signing body: %w", err)
		}
		req.Header.Set("Mdm-Signature", sig)
	}
	return f.do(req)
}

// do sends req and returns the body of a 200 response.
func (f *fleet) do(req *http.Request) ([]byte, error) {
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: got status %d: %.200s", req.Method, req.URL.Path, resp.StatusCode, body)
	}
	return body, nil
}

// enroll mints every device and sends its Authenticate and TokenUpdate
// with the fleet's concurrency. It prints progress every 10 seconds and
// returns the time the phase took.
func (f *fleet) enroll(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	var next, done atomic.Int64
	stopProgress := f.progress(&done, start)
	defer stopProgress()

	errs := make(chan error, f.opts.concurrency)
	var wg sync.WaitGroup
	for range f.opts.concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(f.devices) || ctx.Err() != nil {
					return
				}
				d, err := f.enrollOne(ctx)
				if err != nil {
					errs <- fmt.Errorf("enrolling device %d: %w", i, err)
					return
				}
				f.devices[i] = d
				done.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return time.Since(start), ctx.Err()
}

// enrollOne mints a device and enrolls it.
func (f *fleet) enrollOne(ctx context.Context) (*device, error) {
	d, err := f.newDevice()
	if err != nil {
		return nil, err
	}
	auth, err := d.sim.AuthenticateMessage()
	if err != nil {
		return nil, err
	}
	if _, err := f.send(ctx, d, devicesim.ContentTypeCheckin, auth, ""); err != nil {
		return nil, fmt.Errorf("sending Authenticate: %w", err)
	}
	tokenUpdate, err := d.sim.TokenUpdateMessage()
	if err != nil {
		return nil, err
	}
	if _, err := f.send(ctx, d, devicesim.ContentTypeCheckin, tokenUpdate, ""); err != nil {
		return nil, fmt.Errorf("TokenUpdate: %w", err)
	}
	return d, nil
}

// progress prints how many devices enrolled every 10 seconds until the
// returned function is called.
func (f *fleet) progress(done *atomic.Int64, start time.Time) func() {
	ticker := time.NewTicker(10 * time.Second)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-ticker.C:
				fmt.Printf("enroll: %d/%d devices after %s\n",
					done.Load(), len(f.devices), time.Since(start).Round(time.Second))
			case <-stop:
				return
			}
		}
	})
	return func() {
		ticker.Stop()
		close(stop)
		wg.Wait()
	}
}
