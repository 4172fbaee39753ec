package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
)

// APIUsername is the only Basic auth user name the API accepts.
const APIUsername = "nanomdm"

// BasicAuth passes requests whose Basic credentials are [APIUsername] and
// key on to next. Anything else gets 401 with a Basic challenge, before
// any method check or body read. Both parts are compared as SHA-256
// digests in constant time, so neither their content nor their length
// leaks through timing. An empty key rejects every request.
func BasicAuth(key string, next http.Handler) http.Handler {
	wantUser := sha256.Sum256([]byte(APIUsername))
	wantKey := sha256.Sum256([]byte(key))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, password, ok := r.BasicAuth()
		gotUser := sha256.Sum256([]byte(user))
		gotKey := sha256.Sum256([]byte(password))
		userOK := subtle.ConstantTimeCompare(gotUser[:], wantUser[:])
		keyOK := subtle.ConstantTimeCompare(gotKey[:], wantKey[:])
		if !ok || key == "" || userOK&keyOK != 1 {
			w.Header().Set("Www-Authenticate", `Basic realm="nanomdm"`)
			http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
