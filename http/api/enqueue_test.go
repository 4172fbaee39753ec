package api_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/mdmforge/nanomdm/http/api"
)

// enqueueCase is an enqueue request, the exact response expected, and
// which enrollments should have the command queued afterwards.
type enqueueCase struct {
	apiCase
	seedUUID   bool // CMD-1 already exists
	maxBody    int64
	wantPushes int
	wantQueued []string
}

func TestEnqueueResultShapes(t *testing.T) {
	const queued = "\t\"command_uuid\": \"CMD-1\",\n\t\"request_type\": \"ProfileList\"\n}\n"
	tests := []enqueueCase{
		{
			apiCase: apiCase{
				name:       "enqueue and push",
				target:     "/v1/enqueue/UDID-0001",
				body:       strings.NewReader(profileList),
				wantStatus: http.StatusOK,
				wantBody:   "{\n\t\"status\": {\n\t\t\"UDID-0001\": {\n\t\t\t\"push_result\": \"APNS-ID-0001\"\n\t\t}\n\t},\n" + queued,
			},
			wantPushes: 1,
			wantQueued: []string{"UDID-0001"},
		},
		{
			apiCase: apiCase{
				name:       "nopush",
				method:     http.MethodPut,
				target:     "/v1/enqueue/UDID-0001?nopush=1",
				body:       strings.NewReader(profileList),
				wantStatus: http.StatusOK,
				wantBody:   "{\n\t\"no_push\": true,\n" + queued,
			},
			wantQueued: []string{"UDID-0001"},
		},
		{
			apiCase: apiCase{
				name:       "nopush zero still disables push",
				target:     "/v1/enqueue/UDID-0001?nopush=0",
				body:       strings.NewReader(profileList),
				wantStatus: http.StatusOK,
				wantBody:   "{\n\t\"no_push\": true,\n" + queued,
			},
			wantQueued: []string{"UDID-0001"},
		},
		{
			apiCase: apiCase{
				name:       "empty nopush value pushes",
				target:     "/v1/enqueue/UDID-0001?nopush=",
				body:       strings.NewReader(profileList),
				wantStatus: http.StatusOK,
				wantBody:   "{\n\t\"status\": {\n\t\t\"UDID-0001\": {\n\t\t\t\"push_result\": \"APNS-ID-0001\"\n\t\t}\n\t},\n" + queued,
			},
			wantPushes: 1,
			wantQueued: []string{"UDID-0001"},
		},
		{
			apiCase: apiCase{
				name:       "duplicate CommandUUID",
				target:     "/v1/enqueue/UDID-0001?nopush=1",
				body:       strings.NewReader(profileList),
				wantStatus: http.StatusInternalServerError,
				wantBody:   "{\n\t\"no_push\": true,\n\t\"command_error\": \"command already exists: CMD-1\",\n" + queued,
			},
			seedUUID: true,
		},
		{
			apiCase: apiCase{
				name:       "duplicate CommandUUID skips push",
				target:     "/v1/enqueue/UDID-0001",
				body:       strings.NewReader(profileList),
				wantStatus: http.StatusInternalServerError,
				wantBody:   "{\n\t\"command_error\": \"command already exists: CMD-1\",\n" + queued,
			},
			seedUUID: true,
		},
		{
			apiCase: apiCase{
				name:       "body not a plist",
				target:     "/v1/enqueue/UDID-0001",
				body:       strings.NewReader("hello <world>"),
				wantStatus: http.StatusBadRequest,
				wantBody:   "{\n\t\"command_error\": \"decoding command: parse error: plist: unexpected non-empty xml.CharData: raw content: hello \\u003cworld\\u003e\"\n}\n",
			},
		},
		{
			apiCase: apiCase{
				name:       "plist not a command",
				target:     "/v1/enqueue/UDID-0001?nopush=1",
				body:       strings.NewReader(strings.Replace(profileList, "CommandUUID", "Other", 1)),
				wantStatus: http.StatusBadRequest,
				wantBody:   "{\n\t\"command_error\": \"decoding command: invalid command\"\n}\n",
			},
		},
		{
			apiCase: apiCase{
				name:       "empty body with nopush",
				target:     "/v1/enqueue/UDID-0001?nopush=1",
				wantStatus: http.StatusBadRequest,
				wantBody:   "{\n\t\"no_push\": true,\n\t\"command_error\": \"must enqueue or push\"\n}\n",
			},
		},
		{
			apiCase: apiCase{
				name:       "empty body only pushes",
				target:     "/v1/enqueue/UDID-0001",
				wantStatus: http.StatusOK,
				wantBody:   "{\n\t\"status\": {\n\t\t\"UDID-0001\": {\n\t\t\t\"push_result\": \"APNS-ID-0001\"\n\t\t}\n\t}\n}\n",
			},
			wantPushes: 1,
		},
		{
			apiCase: apiCase{
				name:       "known and unknown IDs",
				target:     "/v1/enqueue/UDID-0001,NOPE",
				body:       strings.NewReader(profileList),
				wantStatus: http.StatusMultiStatus,
				wantBody:   "{\n\t\"status\": {\n\t\t\"NOPE\": {\n\t\t\t\"push_error\": \"push data missing for id\",\n\t\t\t\"command_error\": \"enrollment not found\"\n\t\t},\n\t\t\"UDID-0001\": {\n\t\t\t\"push_result\": \"APNS-ID-0001\"\n\t\t}\n\t},\n" + queued,
			},
			wantPushes: 1,
			wantQueued: []string{"UDID-0001"},
		},
		{
			apiCase: apiCase{
				name:       "every ID unknown",
				target:     "/v1/enqueue/NOPE?nopush=1",
				body:       strings.NewReader(profileList),
				wantStatus: http.StatusBadRequest,
				wantBody:   "{\n\t\"status\": {\n\t\t\"NOPE\": {\n\t\t\t\"command_error\": \"enrollment not found\"\n\t\t}\n\t},\n\t\"no_push\": true,\n" + queued,
			},
		},
		{
			apiCase: apiCase{
				name:       "every ID unknown with push",
				target:     "/v1/enqueue/NOPE,NOPE",
				body:       strings.NewReader(profileList),
				wantStatus: http.StatusBadRequest,
				wantBody:   "{\n\t\"status\": {\n\t\t\"NOPE\": {\n\t\t\t\"push_error\": \"push data missing for id\",\n\t\t\t\"command_error\": \"enrollment not found\"\n\t\t}\n\t},\n" + queued,
			},
			wantPushes: 1,
		},
		{
			apiCase: apiCase{
				name:       "topic cert missing",
				target:     "/v1/enqueue/UDID-OTHER",
				body:       strings.NewReader(profileList),
				pushErr:    errors.New(strings.ReplaceAll(missingCertErr, `\"`, `"`)),
				wantStatus: http.StatusInternalServerError,
				wantBody:   "{\n\t\"push_error\": \"" + missingCertErr + "\",\n" + queued,
			},
			wantPushes: 1,
			wantQueued: []string{"UDID-OTHER"},
		},
		{
			apiCase: apiCase{
				name:       "empty ID path",
				target:     "/v1/enqueue/?nopush=1",
				body:       strings.NewReader(profileList),
				wantStatus: http.StatusBadRequest,
				wantBody:   "{\n\t\"command_error\": \"getting enrollment ids: empty path\"\n}\n",
			},
		},
		{
			apiCase: apiCase{
				name:       "body over the limit",
				target:     "/v1/enqueue/UDID-0001",
				body:       strings.NewReader(profileList),
				wantStatus: http.StatusRequestEntityTooLarge,
				wantBody:   "{\n\t\"command_error\": \"reading body: request body larger than the 100-byte limit\"\n}\n",
			},
			maxBody: 100,
		},
		{
			apiCase: apiCase{
				name:       "body read failure",
				target:     "/v1/enqueue/UDID-0001",
				body:       iotest.ErrReader(errors.New("connection reset")),
				wantStatus: http.StatusInternalServerError,
				wantBody:   "{\n\t\"push_error\": \"nil API result\",\n\t\"command_error\": \"nil API result\"\n}\n",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enqueuer := newFakeEnqueuer("UDID-0001", "UDID-0002", "UDID-11", "UDID-OTHER")
			if tt.seedUUID {
				enqueuer.uuids["CMD-1"] = true
			}
			pusher := &fakePusher{responses: apnsResponses, err: tt.pushErr}
			a := api.New(newFakeCertStore(), enqueuer, pusher, api.WithMaxBodySize(tt.maxBody))

			body := tt.body
			if body == nil {
				body = http.NoBody
			}
			rec := serve(t, a.EnqueueHandler(api.EnqueuePrefix), tt.method, tt.target, body)
			checkResponse(t, rec, tt.wantStatus, "application/json", tt.wantBody)
			if got := pusher.pushCalls(); got != tt.wantPushes {
				t.Errorf("got %d push calls, want %d", got, tt.wantPushes)
			}
			if got := enqueuer.queuedIDs(); !slices.Equal(got, tt.wantQueued) {
				t.Errorf("got command queued for %q, want %q", got, tt.wantQueued)
			}
		})
	}
}
