package api_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mdmforge/nanomdm/http/api"
)

func TestBasicAuth(t *testing.T) {
	basic := func(userPass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(userPass))
	}
	tests := []struct {
		name   string
		key    string
		header string
		wantOK bool
	}{
		{name: "correct", key: "secret", header: basic("nanomdm:secret"), wantOK: true},
		{name: "key with colon", key: "se:cr:et", header: basic("nanomdm:se:cr:et"), wantOK: true},
		{name: "no header", key: "secret"},
		{name: "wrong key", key: "secret", header: basic("nanomdm:wrong")},
		{name: "key prefix", key: "secret", header: basic("nanomdm:secre")},
		{name: "wrong user", key: "secret", header: basic("admin:secret")},
		{name: "user case differs", key: "secret", header: basic("NanoMDM:secret")},
		{name: "not base64", key: "secret", header: "Basic !!!"},
		{name: "bearer scheme", key: "secret", header: "Bearer secret"},
		{name: "empty key configured", key: "", header: basic("nanomdm:")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reached := false
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reached = true
				_, _ = io.WriteString(w, "ok")
			})
			req := httptest.NewRequest(http.MethodPost, "/v1/pushcert", nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			rec := httptest.NewRecorder()
			api.BasicAuth(tt.key, next).ServeHTTP(rec, req)

			if reached != tt.wantOK {
				t.Errorf("got next handler reached %v, want %v", reached, tt.wantOK)
			}
			if tt.wantOK {
				return
			}
			checkResponse(t, rec, http.StatusUnauthorized, "text/plain; charset=utf-8", "Unauthorized\n")
			if got := rec.Header().Get("Www-Authenticate"); got != `Basic realm="nanomdm"` {
				t.Errorf("got Www-Authenticate %q, want %q", got, `Basic realm="nanomdm"`)
			}
			if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("got X-Content-Type-Options %q, want nosniff", got)
			}
		})
	}
}

func TestVersionHandler(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut} {
		t.Run(method, func(t *testing.T) {
			rec := serve(t, api.VersionHandler("v0.9.1"), method, "/version", nil)
			checkResponse(t, rec, http.StatusOK, "application/json", `{"version":"v0.9.1"}`)
		})
	}
}

func TestVersionHandlerHead(t *testing.T) {
	srv := httptest.NewServer(api.VersionHandler("unknown"))
	defer srv.Close()
	resp, err := srv.Client().Head(srv.URL + "/version")
	if err != nil {
		t.Fatalf("HEAD: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("got status %d, want 200", resp.StatusCode)
	}
	if len(body) != 0 {
		t.Errorf("got body %q, want none", body)
	}
	if resp.ContentLength != 21 {
		t.Errorf("got Content-Length %d, want 21", resp.ContentLength)
	}
}
