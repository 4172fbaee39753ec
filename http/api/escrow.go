package api

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/mdmforge/nanomdm/log"
)

// escrowParams are the form fields of an escrow key unlock request. The
// device identifiers go to Apple in the query string and the audit fields
// and bypass code in the form body.
type escrowParams struct {
	serial, imei, imei2, meid, productType string
	orgName, guid, escrowKey               string
}

func newEscrowParams(form url.Values) escrowParams {
	return escrowParams{
		serial:      form.Get("serial"),
		imei:        form.Get("imei"),
		imei2:       form.Get("imei2"),
		meid:        form.Get("meid"),
		productType: form.Get("productType"),
		orgName:     form.Get("orgName"),
		guid:        form.Get("guid"),
		escrowKey:   form.Get("escrowKey"),
	}
}

func (p escrowParams) valid() bool {
	return p.serial != "" && p.productType != "" && p.orgName != "" && p.guid != "" && p.escrowKey != ""
}

// query returns the query parameters sent to Apple. Encode sorts them by
// key.
func (p escrowParams) query() url.Values {
	q := url.Values{"serial": {p.serial}, "productType": {p.productType}}
	for key, value := range map[string]string{"imei": p.imei, "imei2": p.imei2, "meid": p.meid} {
		if value != "" {
			q.Set(key, value)
		}
	}
	return q
}

func (p escrowParams) form() url.Values {
	return url.Values{"orgName": {p.orgName}, "guid": {p.guid}, "escrowKey": {p.escrowKey}}
}

// EscrowKeyUnlockHandler returns the handler that forwards an Activation
// Lock bypass request to Apple. It reads the urlencoded form body only
// (query parameters are ignored) and authenticates to Apple with the push
// certificate of the form's topic. Apple's status and body are copied to
// the response, but not its headers, as in NanoMDM.
func (a *API) EscrowKeyUnlockHandler() http.Handler {
	logger := a.handlerLogger("escrowkeyunlock")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, a.maxBodySize)
		if err := r.ParseForm(); err != nil {
			status, clientErr := bodyError(err)
			if status != http.StatusRequestEntityTooLarge {
				// NOTE(parity): NanoMDM ignores form parse errors.
				status, clientErr = http.StatusBadRequest, fmt.Errorf("parsing form: %w", err)
			}
			writeJSONError(w, r, logger, "validating parameters", status, clientErr)
			return
		}
		params := newEscrowParams(r.PostForm)
		if !params.valid() {
			err := errors.New("invalid or missing parameters")
			writeJSONError(w, r, logger, "validating parameters", http.StatusBadRequest, err)
			return
		}
		topic := r.PostForm.Get("topic")
		if topic == "" {
			writeJSONError(w, r, logger, "validating parameters", http.StatusBadRequest, errors.New("empty topic"))
			return
		}

		resp, err := a.escrowKeyUnlock(r.Context(), topic, params)
		if err != nil {
			writeJSONError(w, r, logger, "escrow key unlock", http.StatusInternalServerError, err)
			return
		}
		defer resp.Body.Close()
		copyEscrowResponse(w, r, logger, resp, params.serial)
	})
}

// copyEscrowResponse sends Apple's status and body. Headers are dropped so
// the content type is sniffed from the body, as NanoMDM's is.
func copyEscrowResponse(w http.ResponseWriter, r *http.Request, logger *slog.Logger, resp *http.Response, serial string) {
	ctx := r.Context()
	log.From(ctx, logger).DebugContext(ctx, "escrow key unlock", "serial", serial, log.KeyHTTPStatus, resp.StatusCode)
	w.WriteHeader(resp.StatusCode)
	if _, err := io.Copy(w, resp.Body); err != nil {
		log.From(ctx, logger).InfoContext(ctx, "copying body", log.KeyErr, err)
	}
}

// escrowKeyUnlock posts the request to Apple over mutual TLS with the
// push certificate of topic. The caller closes the response body.
func (a *API) escrowKeyUnlock(ctx context.Context, topic string, params escrowParams) (*http.Response, error) {
	cert, _, err := a.certs.RetrievePushCert(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("retrieve push cert for topic: %s: %w", topic, err)
	}
	if cert == nil {
		return nil, fmt.Errorf("retrieve push cert for topic: %s: no certificate stored", topic)
	}
	client, err := a.escrowClient(cert)
	if err != nil {
		return nil, err
	}

	target := a.escrowURL + "?" + params.query().Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(params.form().Encode()))
	if err != nil {
		return nil, fmt.Errorf("creating request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return client.Do(req)
}

// escrowClient returns a client presenting cert. Escrow requests are
// rare, so each gets its own transport, which keeps no idle connections.
//
// NOTE(parity): NanoMDM sets no timeout on this request, and ours is
// limited by the escrow timeout.
func (a *API) escrowClient(cert *tls.Certificate) (*http.Client, error) {
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, errors.New("http.DefaultTransport is not an *http.Transport")
	}
	transport := base.Clone()
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if a.escrowTLS != nil {
		tlsConfig = a.escrowTLS.Clone()
	}
	tlsConfig.Certificates = []tls.Certificate{*cert}
	transport.TLSClientConfig = tlsConfig
	transport.DisableKeepAlives = true
	return &http.Client{Transport: transport, Timeout: a.escrowTimeout}, nil
}
