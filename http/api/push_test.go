package api_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mdmforge/nanomdm/http/api"
	"github.com/mdmforge/nanomdm/push"
)

const missingCertErr = `retrieving push cert for topic \"com.apple.mgmt.External.other\": getting com.apple.mgmt.External.other.pem: key not found: com.apple.mgmt.External.other.pem`

// partialPushBody is the response NanoMDM was observed to send for a
// push with one success, two APNs errors and one unknown ID.
const partialPushBody = `{
	"status": {
		"UDID-0001": {
			"push_result": "APNS-ID-0001"
		},
		"UDID-11": {
			"push_error": "push HTTP status: 410: APNs push error: Unregistered: timestamp 1700000000000",
			"push_result": "APNS-ID-1101"
		},
		"UDID-EE": {
			"push_error": "push HTTP status: 500: decoding JSON push error: invalid character 'o' in literal null (expecting 'u')",
			"push_result": "APNS-ID-ee01"
		},
		"UDID-NOPE": {
			"push_error": "push data missing for id"
		}
	}
}
`

// apnsResponses are push outcomes as the APNs provider reports them.
var apnsResponses = map[string]*push.Response{
	"UDID-0001": {ID: "APNS-ID-0001"},
	"UDID-0002": {ID: "APNS-ID-0002"},
	"UDID-11": {ID: "APNS-ID-1101", Err: errors.New(
		"push HTTP status: 410: APNs push error: Unregistered: timestamp 1700000000000")},
	"UDID-EE": {ID: "APNS-ID-ee01", Err: errors.New(
		"push HTTP status: 500: decoding JSON push error: invalid character 'o' in literal null (expecting 'u')")},
	"UDID-OTHER": nil, // its topic has no push certificate
}

const profileList = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Command</key>
	<dict>
		<key>RequestType</key>
		<string>ProfileList</string>
	</dict>
	<key>CommandUUID</key>
	<string>CMD-1</string>
</dict>
</plist>
`

// apiCase is one request to the API and the exact response expected.
type apiCase struct {
	name       string
	method     string
	target     string
	body       io.Reader
	pushErr    error
	wantStatus int
	wantBody   string
}

func serve(t *testing.T, h http.Handler, method, target string, body io.Reader) *httptest.ResponseRecorder {
	t.Helper()
	if method == "" {
		method = http.MethodPost
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, body))
	return rec
}

func checkResponse(t *testing.T, rec *httptest.ResponseRecorder, wantStatus int, wantType, wantBody string) {
	t.Helper()
	if rec.Code != wantStatus {
		t.Errorf("got status %d, want %d", rec.Code, wantStatus)
	}
	if got := rec.Header().Get("Content-Type"); got != wantType {
		t.Errorf("got Content-Type %q, want %q", got, wantType)
	}
	if got := rec.Body.String(); got != wantBody {
		t.Errorf("got body:\n%s\nwant:\n%s", got, wantBody)
	}
}

func TestPushResultShapes(t *testing.T) {
	tests := []apiCase{
		{
			name:       "all pushed",
			target:     "/v1/push/UDID-0001,UDID-0002",
			wantStatus: http.StatusOK,
			wantBody:   "{\n\t\"status\": {\n\t\t\"UDID-0001\": {\n\t\t\t\"push_result\": \"APNS-ID-0001\"\n\t\t},\n\t\t\"UDID-0002\": {\n\t\t\t\"push_result\": \"APNS-ID-0002\"\n\t\t}\n\t}\n}\n",
		},
		{
			name:       "some fail",
			method:     http.MethodGet,
			target:     "/v1/push/UDID-0001,UDID-11,UDID-EE,UDID-NOPE",
			wantStatus: http.StatusMultiStatus,
			wantBody:   partialPushBody,
		},
		{
			name:       "every ID fails at APNs",
			target:     "/v1/push/UDID-11,UDID-NOPE",
			wantStatus: http.StatusInternalServerError,
			wantBody:   "{\n\t\"status\": {\n\t\t\"UDID-11\": {\n\t\t\t\"push_error\": \"push HTTP status: 410: APNs push error: Unregistered: timestamp 1700000000000\",\n\t\t\t\"push_result\": \"APNS-ID-1101\"\n\t\t},\n\t\t\"UDID-NOPE\": {\n\t\t\t\"push_error\": \"push data missing for id\"\n\t\t}\n\t}\n}\n",
		},
		{
			name:       "every ID unknown",
			target:     "/v1/push/NOPE,NOPE2",
			wantStatus: http.StatusBadRequest,
			wantBody:   "{\n\t\"status\": {\n\t\t\"NOPE\": {\n\t\t\t\"push_error\": \"push data missing for id\"\n\t\t},\n\t\t\"NOPE2\": {\n\t\t\t\"push_error\": \"push data missing for id\"\n\t\t}\n\t}\n}\n",
		},
		{
			name:       "repeated failing ID",
			target:     "/v1/push/UDID-11,UDID-11",
			wantStatus: http.StatusMultiStatus,
			wantBody:   "{\n\t\"status\": {\n\t\t\"UDID-11\": {\n\t\t\t\"push_error\": \"push HTTP status: 410: APNs push error: Unregistered: timestamp 1700000000000\",\n\t\t\t\"push_result\": \"APNS-ID-1101\"\n\t\t}\n\t}\n}\n",
		},
		{
			name:       "known ID and empty IDs",
			target:     "/v1/push/UDID-0001,,",
			wantStatus: http.StatusMultiStatus,
			wantBody:   "{\n\t\"status\": {\n\t\t\"\": {\n\t\t\t\"push_error\": \"push data missing for id\"\n\t\t},\n\t\t\"UDID-0001\": {\n\t\t\t\"push_result\": \"APNS-ID-0001\"\n\t\t}\n\t}\n}\n",
		},
		{
			name:       "topic cert missing",
			target:     "/v1/push/UDID-OTHER,NOPE",
			pushErr:    errors.New(strings.ReplaceAll(missingCertErr, `\"`, `"`)),
			wantStatus: http.StatusInternalServerError,
			wantBody:   "{\n\t\"status\": {\n\t\t\"NOPE\": {\n\t\t\t\"push_error\": \"push data missing for id\"\n\t\t}\n\t},\n\t\"push_error\": \"" + missingCertErr + "\"\n}\n",
		},
		{
			name:       "empty ID path",
			target:     "/v1/push/",
			wantStatus: http.StatusBadRequest,
			wantBody:   "{\n\t\"push_error\": \"getting enrollment ids: empty path\"\n}\n",
		},
		{
			name:       "encoded comma splits IDs",
			target:     "/v1/push/UDID-0001%2CUDID-0002",
			wantStatus: http.StatusOK,
			wantBody:   "{\n\t\"status\": {\n\t\t\"UDID-0001\": {\n\t\t\t\"push_result\": \"APNS-ID-0001\"\n\t\t},\n\t\t\"UDID-0002\": {\n\t\t\t\"push_result\": \"APNS-ID-0002\"\n\t\t}\n\t}\n}\n",
		},
		{
			name:       "ID with HTML characters",
			target:     "/v1/push/%3Cb%3E&",
			wantStatus: http.StatusBadRequest,
			wantBody:   "{\n\t\"status\": {\n\t\t\"\\u003cb\\u003e\\u0026\": {\n\t\t\t\"push_error\": \"push data missing for id\"\n\t\t}\n\t}\n}\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pusher := &fakePusher{responses: apnsResponses, err: tt.pushErr}
			a := api.New(newFakeCertStore(), newFakeEnqueuer(), pusher)
			rec := serve(t, a.PushHandler(api.PushPrefix), tt.method, tt.target, nil)
			checkResponse(t, rec, tt.wantStatus, "application/json", tt.wantBody)
		})
	}
}

func TestPushHandlerOutsidePrefix(t *testing.T) {
	a := api.New(newFakeCertStore(), newFakeEnqueuer(), &fakePusher{})
	rec := serve(t, a.PushHandler(api.PushPrefix), http.MethodGet, "/other/UDID-0001", nil)
	if rec.Code != http.StatusNotFound {
		t.Errorf("got status %d, want 404", rec.Code)
	}
}
