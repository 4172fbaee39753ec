package service_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/push/apns"
	"github.com/mdmforge/nanomdm/push/apns/apnstest"
	"github.com/mdmforge/nanomdm/push/service"
)

// TestReuploadRebuildsAPNsClient pushes through the real APNs provider to
// a local mock and checks that a re-uploaded certificate is the one the
// next push presents.
func TestReuploadRebuildsAPNsClient(t *testing.T) {
	var mu sync.Mutex
	var presented []string
	srv := apnstest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		presented = append(presented, r.TLS.PeerCertificates[0].SerialNumber.String())
		w.Header().Set("apns-id", "APNS-ID")
	}))
	factory := apns.NewFactory(apns.WithBaseURL(srv.URL), apns.WithRootCAs(apnstest.RootCAs(srv)))

	store := newFakeStore()
	store.enroll("A1", topicA, 0x01)
	first := apnstest.NewPushCert(t, topicA, time.Now().Add(time.Hour))
	store.upload(topicA, &first.TLS)
	svc := service.New(store, factory)

	push := func() {
		t.Helper()
		got, err := svc.Push(t.Context(), []string{"A1"})
		if err != nil {
			t.Fatalf("Push: %v", err)
		}
		if r := got["A1"]; r == nil || r.Err != nil || r.ID != "APNS-ID" {
			t.Fatalf("got response %+v, want ID APNS-ID", r)
		}
	}
	push()
	push()
	second := apnstest.NewPushCert(t, topicA, time.Now().Add(time.Hour))
	store.upload(topicA, &second.TLS)
	push()

	want := []string{
		first.Certificate.SerialNumber.String(),
		first.Certificate.SerialNumber.String(),
		second.Certificate.SerialNumber.String(),
	}
	mu.Lock()
	defer mu.Unlock()
	if len(presented) != len(want) {
		t.Fatalf("got %d pushes, want %d", len(presented), len(want))
	}
	for i := range want {
		if presented[i] != want[i] {
			t.Errorf("push %d: got certificate serial %s, want %s", i, presented[i], want[i])
		}
	}
}
