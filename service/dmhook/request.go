package dmhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
)

var _ service.DeclarativeManagement = (*DMHook)(nil)

// DeclarativeManagement sends msg to the DM server: a GET when the message
// has no Data, otherwise a PUT of the Data as JSON. The X-Enrollment-ID and
// X-Enrollment-Type headers name the enrollment, and X-Enrollment-ParentID
// its device on a user channel.
//
// Only status 200 succeeds. For any other status it returns the response
// body together with an error, so the device receives the DM server's
// body after the error status. An Endpoint that resolves outside the base
// URL gets a *[service.HTTPStatusError] with status 400 and nothing is
// sent.
func (d *DMHook) DeclarativeManagement(r *mdm.Request, msg *mdm.DeclarativeManagement) ([]byte, error) {
	if r.EnrollID == nil || r.ID == "" {
		return nil, mdm.ErrNoEnrollmentID
	}
	target, err := d.resolve(msg.Endpoint)
	if err != nil {
		return nil, err
	}

	req, err := d.newRequest(r, target, msg.Data)
	if err != nil {
		return nil, err
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sending DM request: %w", err)
	}
	defer resp.Body.Close()

	body, err := readBody(resp.Body, d.maxSize)
	if err != nil {
		return nil, err
	}
	if len(d.recvKey) > 0 && !validSignature(d.recvKey, body, resp.Header.Get(hmacHeader)) {
		return nil, ErrInvalidBodyHash
	}
	if resp.StatusCode != http.StatusOK {
		return body, fmt.Errorf("DM hook HTTP status: %d", resp.StatusCode)
	}
	return body, nil
}

// resolve resolves endpoint against the base URL and rejects a target
// outside it.
func (d *DMHook) resolve(endpoint string) (*url.URL, error) {
	ref, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("parsing DM endpoint %q: %w", endpoint, err)
	}
	target := d.base.ResolveReference(ref)

	// NOTE(parity): NanoMDM sends the request wherever the Endpoint
	// resolves, so a leading "/", ".." segments or an absolute URL reach
	// other paths or hosts. Such an Endpoint is rejected with 400 here.
	if !d.confined(target) {
		return nil, service.NewHTTPStatusError(
			http.StatusBadRequest,
			fmt.Errorf("DM endpoint %q resolves outside the DM base URL", endpoint),
		)
	}
	return target, nil
}

// confined reports whether u has the base's scheme, host and user info,
// and a path under the base's path prefix without any "." or ".."
// segment. ResolveReference removes literal dot segments, so a remaining
// one was percent-encoded and a server could still decode it.
func (d *DMHook) confined(u *url.URL) bool {
	if u.Scheme != d.base.Scheme || u.Host != d.base.Host || u.User.String() != d.base.User.String() {
		return false
	}
	if !strings.HasPrefix(u.Path, d.prefix) {
		return false
	}
	for segment := range strings.SplitSeq(u.Path, "/") {
		if segment == "." || segment == ".." {
			return false
		}
	}
	return true
}

// newRequest builds the request for target with the enrollment headers
// and, when a send key is set, the body signature.
func (d *DMHook) newRequest(r *mdm.Request, target *url.URL, data []byte) (*http.Request, error) {
	method, body := http.MethodGet, io.Reader(nil)
	if len(data) > 0 {
		method, body = http.MethodPut, bytes.NewReader(data)
	}
	ctx := r.Context
	if ctx == nil {
		ctx = context.Background()
	}
	req, err := http.NewRequestWithContext(ctx, method, target.String(), body)
	if err != nil {
		return nil, fmt.Errorf("creating DM request: %w", err)
	}

	if len(data) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Enrollment-ID", r.ID)
	req.Header.Set("X-Enrollment-Type", r.Type.String())
	if r.ParentID != "" {
		req.Header.Set("X-Enrollment-ParentID", r.ParentID)
	}
	if len(d.sendKey) > 0 {
		req.Header.Set(hmacHeader, base64.StdEncoding.EncodeToString(mac(d.sendKey, data)))
	}
	return req, nil
}

// readBody reads a response body of at most maxSize bytes.
func readBody(body io.Reader, maxSize int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(body, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading DM response: %w", err)
	}
	if int64(len(b)) > maxSize {
		return nil, fmt.Errorf("reading DM response: body larger than %d bytes", maxSize)
	}
	return b, nil
}

// mac returns the HMAC-SHA256 of body under key.
func mac(key, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(body)
	return h.Sum(nil)
}

// validSignature reports whether header is the standard base64 of the
// HMAC-SHA256 of body under key, comparing in constant time.
func validSignature(key, body []byte, header string) bool {
	got, err := base64.StdEncoding.DecodeString(header)
	if err != nil || len(got) == 0 {
		return false
	}
	return hmac.Equal(got, mac(key, body))
}
