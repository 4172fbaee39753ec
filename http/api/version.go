package api

import (
	"net/http"
)

// VersionHandler returns a handler that sends {"version":"<version>"}
// for any method, compact and without a trailing newline. It needs no
// authentication.
func VersionHandler(version string) http.Handler {
	// NanoMDM builds this body by concatenation, so version is not JSON
	// escaped here either. It comes from the build, not from clients.
	body := []byte(`{"version":"` + version + `"}`)
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
}
