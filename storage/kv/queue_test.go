package kv

import (
	"context"
	"errors"
	"maps"
	"strings"
	"sync"
	"testing"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// mapBucket is a plain Bucket for tests that set up stored keys by hand.
type mapBucket struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (b *mapBucket) Get(_ context.Context, key string) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.m[key]
	if !ok {
		return nil, KeyNotFound(key)
	}
	return v, nil
}

func (b *mapBucket) Has(_ context.Context, key string) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.m[key]
	return ok, nil
}

func (b *mapBucket) Set(_ context.Context, key string, value []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m[key] = append([]byte(nil), value...)
	return nil
}

func (b *mapBucket) Delete(_ context.Context, key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m, key)
	return nil
}

func (b *mapBucket) KeysPrefix(_ context.Context, prefix string) ([]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var keys []string
	for k := range b.m {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

func newMapBucket() *mapBucket { return &mapBucket{m: make(map[string][]byte)} }

const testID = "DEV1"

// newTestKV returns a KV over map buckets, with testID enrolled and the
// queue bucket holding queue (key suffixes after "DEV1.") and commands
// X, Y, Z and W.
func newTestKV(t *testing.T, queue map[string]string, opts ...Option) (*KV, *mapBucket) {
	t.Helper()
	q := newMapBucket()
	for _, uuid := range []string{"X", "Y", "Z", "W"} {
		q.m[uuid+".raw"] = commandPlistFor(uuid)
		q.m[uuid+".req_type"] = []byte("ProfileList")
	}
	for k, v := range queue {
		q.m[testID+"."+k] = []byte(v)
	}
	enrollments := newMapBucket()
	enrollments.m[testID+".type"] = []byte("Device")
	s := New(Buckets{
		Devices: newMapBucket(), Users: newMapBucket(), Enrollments: enrollments,
		CertAuth: newMapBucket(), Queue: q, PushCert: newMapBucket(),
	}, opts...)
	return s, q
}

func commandPlistFor(uuid string) []byte {
	return []byte("<plist><dict><key>CommandUUID</key><string>" + uuid + "</string></dict></plist>")
}

func testRequest() *mdm.Request {
	r := mdm.NewRequest(context.Background(), nil)
	r.EnrollID = &mdm.EnrollID{Type: mdm.Device, ID: testID}
	return r
}

// nextUUID returns the UUID of the next command, or "".
func nextUUID(t *testing.T, s *KV, skipNotNow bool) string {
	t.Helper()
	cmd, err := s.RetrieveNextCommand(testRequest(), skipNotNow)
	if err != nil {
		t.Fatalf("RetrieveNextCommand: %v", err)
	}
	if cmd == nil {
		return ""
	}
	return cmd.CommandUUID
}

func report(s *KV, uuid, status string) error {
	return s.StoreCommandReport(testRequest(), &mdm.CommandResults{
		CommandUUID: uuid,
		Status:      status,
		Raw:         mdm.Raw{Raw: []byte("<plist/>")},
	})
}

// TestDamagedQueues starts from queue states NanoMDM could leave behind
// and checks what is delivered, acknowledging each command in turn, and
// that a command enqueued afterwards still arrives.
func TestDamagedQueues(t *testing.T) {
	tests := []struct {
		name  string
		queue map[string]string
		want  []string // deliveries, in order, before the new command
	}{
		{
			name: "answered item still linked at the end",
			queue: map[string]string{
				"queuekey.queue.first": "X", "queuekey.queue.last": "X",
				"X.queueitem.next": "Y", "Y.queueitem.status": "Acknowledged",
			},
			want: []string{"X"},
		},
		{
			name: "last without first",
			queue: map[string]string{
				"queuekey.queue.last": "Y", "Y.queueitem.prev": "X",
			},
			want: nil,
		},
		{
			name: "answered first and last",
			queue: map[string]string{
				"queuekey.queue.first": "Y", "queuekey.queue.last": "X",
				"X.queueitem.status": "Acknowledged", "Y.queueitem.status": "Error",
			},
			want: nil,
		},
		{
			name: "cycle",
			queue: map[string]string{
				"queuekey.queue.first": "X", "queuekey.queue.last": "Z",
				"X.queueitem.next": "Y", "Y.queueitem.prev": "X", "Y.queueitem.next": "Z",
				"Z.queueitem.prev": "Y", "Z.queueitem.next": "X",
			},
			want: []string{"X", "Y", "Z"},
		},
		{
			name: "self link",
			queue: map[string]string{
				"queuekey.queue.first": "X", "queuekey.queue.last": "X", "X.queueitem.next": "X",
			},
			want: []string{"X"},
		},
		{
			name: "empty values for missing links",
			queue: map[string]string{
				"queuekey.queue.first": "", "queuekey.queue.last": "",
			},
			want: nil,
		},
	}
	for _, tc := range tests {
		for _, emptyLinks := range []bool{false, true} {
			name := tc.name
			if emptyLinks {
				name += " with empty links"
			}
			t.Run(name, func(t *testing.T) {
				var opts []Option
				if emptyLinks {
					opts = append(opts, WithEmptyLinks())
				}
				s, _ := newTestKV(t, tc.queue, opts...)
				for _, want := range append(tc.want, "W") {
					if want == "W" {
						enqueueW(t, s)
					}
					if got := nextUUID(t, s, false); got != want {
						t.Fatalf("next command: got %q, want %q", got, want)
					}
					if err := report(s, want, mdm.StatusAcknowledged); err != nil {
						t.Fatalf("report %s: %v", want, err)
					}
				}
				if got := nextUUID(t, s, false); got != "" {
					t.Errorf("next command after all: got %q, want none", got)
				}
			})
		}
	}
}

func enqueueW(t *testing.T, s *KV) {
	t.Helper()
	// W is stored already, so enqueue it through the list directly.
	if err := s.push(context.Background(), testID, "W"); err != nil {
		t.Fatalf("queueing W: %v", err)
	}
}

// TestReportNotQueued checks that a final report for a command that is
// not pending leaves the queue as it was.
func TestReportNotQueued(t *testing.T) {
	s, q := newTestKV(t, map[string]string{
		"queuekey.queue.first": "X", "queuekey.queue.last": "Y",
		"X.queueitem.next": "Y", "Y.queueitem.prev": "X",
	})
	before := maps.Clone(q.m)
	err := report(s, "Z", mdm.StatusAcknowledged)
	if !errors.Is(err, storage.ErrCommandNotQueued) {
		t.Fatalf("report for Z: got error %v, want %v", err, storage.ErrCommandNotQueued)
	}
	delete(q.m, testID+".Z.queueitem.status")
	delete(q.m, testID+".Z.queueitem.report")
	if len(q.m) != len(before) {
		t.Errorf("queue keys: got %d, want %d", len(q.m), len(before))
	}
	for k, v := range before {
		if string(q.m[k]) != string(v) {
			t.Errorf("key %s: got %q, want %q", k, q.m[k], v)
		}
	}
	if got := nextUUID(t, s, false); got != "X" {
		t.Errorf("next command: got %q, want X", got)
	}
}
