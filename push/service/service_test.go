package service_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/push"
	"github.com/mdmforge/nanomdm/push/service"
)

const (
	topicA = "com.apple.mgmt.External.aaaa"
	topicB = "com.apple.mgmt.External.bbbb"
)

// summarize turns responses into "ID" or "error" strings per enrollment ID
// so tests can compare them with cmp.
func summarize(responses map[string]*push.Response) map[string]string {
	out := map[string]string{}
	for id, r := range responses {
		if r.Err != nil {
			out[id] = "error: " + r.Err.Error()
		} else {
			out[id] = r.ID
		}
	}
	return out
}

func TestPushResults(t *testing.T) {
	tests := []struct {
		name    string
		ids     []string
		want    map[string]string
		wantErr string
	}{
		{
			name: "one known ID",
			ids:  []string{"A1"},
			want: map[string]string{"A1": "id-aa01"},
		},
		{
			name: "known and unknown IDs",
			ids:  []string{"A1", "NOPE", "B1"},
			want: map[string]string{"A1": "id-aa01", "B1": "id-aa11", "NOPE": "error: push data missing for id"},
		},
		{
			name: "empty and repeated IDs",
			ids:  []string{"A1", "A1", ""},
			want: map[string]string{"A1": "id-aa01", "": "error: push data missing for id"},
		},
		{
			name:    "topic without cert",
			ids:     []string{"C1", "A1", "NOPE"},
			want:    map[string]string{"A1": "id-aa01", "NOPE": "error: push data missing for id"},
			wantErr: `retrieving push cert for topic "com.apple.mgmt.External.cccc": getting com.apple.mgmt.External.cccc.pem: key not found: com.apple.mgmt.External.cccc.pem`,
		},
		{
			name:    "only ID has no cert",
			ids:     []string{"C1"},
			want:    map[string]string{},
			wantErr: `retrieving push cert for topic "com.apple.mgmt.External.cccc": getting com.apple.mgmt.External.cccc.pem: key not found: com.apple.mgmt.External.cccc.pem`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newFakeStore()
			store.enroll("A1", topicA, 0x01)
			store.enroll("B1", topicB, 0x11)
			store.enroll("C1", "com.apple.mgmt.External.cccc", 0x21)
			store.upload(topicA, &tls.Certificate{})
			store.upload(topicB, &tls.Certificate{})
			svc := service.New(store, &fakeFactory{})

			got, err := svc.Push(t.Context(), tt.ids)
			if gotErr := errString(err); gotErr != tt.wantErr {
				t.Errorf("got error %q, want %q", gotErr, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, summarize(got)); diff != "" {
				t.Errorf("responses (-want +got):\n%s", diff)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestPushMissingIsSentinel(t *testing.T) {
	svc := service.New(newFakeStore(), &fakeFactory{})
	got, err := svc.Push(t.Context(), []string{"NOPE"})
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	if !errors.Is(got["NOPE"].Err, service.ErrPushDataMissing) {
		t.Errorf("got error %v, want ErrPushDataMissing", got["NOPE"].Err)
	}
}

func TestPushSharedTokenPushedOnce(t *testing.T) {
	store := newFakeStore()
	store.enroll("A1", topicA, 0x01)
	store.enroll("A2", topicA, 0x01)
	store.upload(topicA, &tls.Certificate{})
	factory := &fakeFactory{}
	svc := service.New(store, factory)

	got, err := svc.Push(t.Context(), []string{"A1", "A2"})
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"A2": "id-aa01"}, summarize(got)); diff != "" {
		t.Errorf("responses (-want +got):\n%s", diff)
	}
	if tokens := factory.built()[0].pushedTokens(); len(tokens) != 1 {
		t.Errorf("got %d pushes, want 1", len(tokens))
	}
}

func TestPushStorageErrors(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(*fakeStore, *fakeFactory)
		wantErr string
	}{
		{
			name:    "push info",
			setup:   func(s *fakeStore, _ *fakeFactory) { s.infoErr = errors.New("db down") },
			wantErr: "push storage: db down",
		},
		{
			name:    "stale check",
			setup:   func(s *fakeStore, _ *fakeFactory) { s.staleErr = errors.New("db down") },
			wantErr: "checking push cert stale: db down",
		},
		{
			name:    "provider factory",
			setup:   func(_ *fakeStore, f *fakeFactory) { f.err = errors.New("bad cert") },
			wantErr: "creating new push provider: bad cert",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newFakeStore()
			store.enroll("A1", topicA, 0x01)
			store.upload(topicA, &tls.Certificate{})
			factory := &fakeFactory{}
			svc := service.New(store, factory)
			if tt.name == "stale check" {
				// The stale check only runs once a provider is cached.
				if _, err := svc.Push(t.Context(), []string{"A1"}); err != nil {
					t.Fatalf("first Push: %v", err)
				}
			}
			tt.setup(store, factory)

			got, err := svc.Push(t.Context(), []string{"A1"})
			if gotErr := errString(err); gotErr != tt.wantErr {
				t.Errorf("got error %q, want %q", gotErr, tt.wantErr)
			}
			if _, ok := got["A1"]; ok {
				t.Errorf("got a response for A1, want none")
			}
		})
	}
}

func TestProviderCachedUntilReupload(t *testing.T) {
	store := newFakeStore()
	store.enroll("A1", topicA, 0x01)
	first, second := &tls.Certificate{}, &tls.Certificate{}
	store.upload(topicA, first)
	factory := &fakeFactory{}
	var logs bytes.Buffer
	svc := service.New(store, factory, service.WithLogger(log.New(&logs, false)))

	for range 3 {
		if _, err := svc.Push(t.Context(), []string{"A1"}); err != nil {
			t.Fatalf("Push: %v", err)
		}
	}
	if n := len(factory.built()); n != 1 {
		t.Fatalf("got %d providers before re-upload, want 1", n)
	}

	store.upload(topicA, second)
	if _, err := svc.Push(t.Context(), []string{"A1"}); err != nil {
		t.Fatalf("Push: %v", err)
	}
	built := factory.built()
	if len(built) != 2 {
		t.Fatalf("got %d providers after re-upload, want 2", len(built))
	}
	if built[1].cert != second {
		t.Errorf("got the old certificate in the new provider, want the uploaded one")
	}
	if !built[0].isClosed() {
		t.Errorf("got old provider still open, want its idle connections closed")
	}
	if n := strings.Count(logs.String(), "msg=\"retrieved push cert\" service=push topic="+topicA); n != 2 {
		t.Errorf("got %d retrieved push cert lines, want 2 in:\n%s", n, logs.String())
	}
}

func TestPushTopicsInParallel(t *testing.T) {
	store := newFakeStore()
	store.enroll("A1", topicA, 0x01)
	store.enroll("B1", topicB, 0x11)
	store.upload(topicA, &tls.Certificate{})
	store.upload(topicB, &tls.Certificate{})

	// Each topic's push waits until the other one has started, so the
	// call only finishes if both run at once.
	var started sync.WaitGroup
	started.Add(2)
	factory := &fakeFactory{push: func(string) {
		started.Done()
		done := make(chan struct{})
		go func() { started.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	}}
	svc := service.New(store, factory)

	start := time.Now()
	got, err := svc.Push(t.Context(), []string{"A1", "B1"})
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	if len(got) != 2 {
		t.Errorf("got %d responses, want 2", len(got))
	}
	if elapsed := time.Since(start); elapsed > 4*time.Second {
		t.Errorf("got %v for two topics, want them pushed in parallel", elapsed)
	}
}

func TestPushConcurrentWithReuploads(t *testing.T) {
	store := newFakeStore()
	store.enroll("A1", topicA, 0x01)
	store.enroll("B1", topicB, 0x11)
	store.upload(topicA, &tls.Certificate{})
	store.upload(topicB, &tls.Certificate{})
	factory := &fakeFactory{}
	svc := service.New(store, factory)

	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 20 {
				got, err := svc.Push(t.Context(), []string{"A1", "B1"})
				if err != nil || len(got) != 2 {
					t.Errorf("got %d responses and error %v, want 2 and none", len(got), err)
					return
				}
			}
		})
	}
	for range 5 {
		store.upload(topicA, &tls.Certificate{})
	}
	wg.Wait()
	if n := len(factory.built()); n > 2+5 {
		t.Errorf("got %d providers built, want at most 7", n)
	}
}

func BenchmarkPushOneTopicParallel(b *testing.B) {
	store := newFakeStore()
	store.enroll("A1", topicA, 0x01)
	store.upload(topicA, &tls.Certificate{})
	svc := service.New(store, &fakeFactory{})
	ids := []string{"A1"}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.Push(b.Context(), ids); err != nil {
				b.Fatal(err)
			}
		}
	})
}
