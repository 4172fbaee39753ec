package mdm_test

import (
	"bytes"
	"errors"
	"log/slog"
	"sync"
	"testing"

	"github.com/mdmforge/nanomdm/cryptoutil"
	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/mdm/devicesim"
)

// fakeService records the requests it gets and returns what its fields
// contain. Only the methods the tests reach return anything interesting.
type fakeService struct {
	mu       sync.Mutex
	requests []*mdm.Request
	messages []any

	reply []byte
	err   error
}

func (f *fakeService) record(r *mdm.Request, msg any) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r)
	f.messages = append(f.messages, msg)
	return f.reply, f.err
}

func (f *fakeService) last() (*mdm.Request, any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		return nil, nil
	}
	return f.requests[len(f.requests)-1], f.messages[len(f.messages)-1]
}

func (f *fakeService) Authenticate(r *mdm.Request, m *mdm.Authenticate) error {
	_, err := f.record(r, m)
	return err
}

func (f *fakeService) TokenUpdate(r *mdm.Request, m *mdm.TokenUpdate) error {
	_, err := f.record(r, m)
	return err
}

func (f *fakeService) CheckOut(r *mdm.Request, m *mdm.CheckOut) error {
	_, err := f.record(r, m)
	return err
}

func (f *fakeService) SetBootstrapToken(r *mdm.Request, m *mdm.SetBootstrapToken) error {
	_, err := f.record(r, m)
	return err
}

func (f *fakeService) GetBootstrapToken(r *mdm.Request, m *mdm.GetBootstrapToken) (*mdm.BootstrapToken, error) {
	_, err := f.record(r, m)
	return nil, err
}

func (f *fakeService) UserAuthenticate(r *mdm.Request, m *mdm.UserAuthenticate) ([]byte, error) {
	return f.record(r, m)
}

func (f *fakeService) DeclarativeManagement(r *mdm.Request, m *mdm.DeclarativeManagement) ([]byte, error) {
	return f.record(r, m)
}

func (f *fakeService) GetToken(r *mdm.Request, m *mdm.GetToken) (*mdm.GetTokenResponse, error) {
	_, err := f.record(r, m)
	return nil, err
}

func (f *fakeService) CommandAndReportResults(r *mdm.Request, m *mdm.CommandResults) (*mdm.Command, error) {
	reply, err := f.record(r, m)
	if reply == nil {
		return nil, err
	}
	return &mdm.Command{Raw: mdm.Raw{Raw: reply}}, err
}

// pki is a test CA with a device identity it issued.
type pki struct {
	ca       *devicesim.CA
	identity *devicesim.Identity
	verifier *cryptoutil.Verifier
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	ca, err := devicesim.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	id, err := ca.NewIdentity(devicesim.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	v, err := cryptoutil.NewVerifier(ca.PEM(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return &pki{ca: ca, identity: id, verifier: v}
}

// newLogger returns a logger writing debug lines to a buffer that is safe
// to read while handlers run.
func newLogger() (*syncBuffer, *slog.Logger) {
	buf := &syncBuffer{}
	return buf, log.New(buf, true)
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var errStorage = errors.New("storage unavailable")
