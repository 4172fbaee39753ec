package api

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/mdmforge/nanomdm/cryptoutil"
	"github.com/mdmforge/nanomdm/log"
)

// pushCertBody is the response of both push certificate methods.
type pushCertBody struct {
	NotAfter string `json:"not_after"`
	Topic    string `json:"topic"`
}

func newPushCertBody(cert *x509.Certificate, topic string) pushCertBody {
	return pushCertBody{NotAfter: cert.NotAfter.UTC().Format(time.RFC3339), Topic: topic}
}

// PushCertHandler returns the handler of /v1/pushcert. PUT stores the PEM
// certificate and unencrypted private key in the body under the
// certificate's topic. GET ?topic= reports the stored certificate. Both
// respond with its expiry and topic. Other methods get 405.
func (a *API) PushCertHandler() http.Handler {
	logger := a.handlerLogger("pushcert")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPut:
			a.storePushCert(w, r, logger)
		case http.MethodGet:
			a.getPushCert(w, r, logger)
		default:
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		}
	})
}

func (a *API) storePushCert(w http.ResponseWriter, r *http.Request, logger *slog.Logger) {
	body, err := readBody(w, r, a.maxBodySize)
	if err != nil {
		status, clientErr := bodyError(err)
		writeJSONError(w, r, logger, "reading body", status, clientErr)
		return
	}
	certPEM, keyPEM, err := cryptoutil.ParsePushCertUpload(body)
	if err != nil {
		writeJSONError(w, r, logger, "reading PEM cert and key", http.StatusBadRequest, err)
		return
	}
	cert, err := cryptoutil.DecodePEMCertificate(certPEM)
	if err != nil {
		writeJSONError(w, r, logger, "decode PEM cert", http.StatusBadRequest, err)
		return
	}
	topic, err := cryptoutil.TopicFromCert(cert)
	if err != nil {
		writeJSONError(w, r, logger, "topic from cert", http.StatusBadRequest, err)
		return
	}
	if err := a.certs.StorePushCert(r.Context(), certPEM, keyPEM); err != nil {
		writeJSONError(w, r, logger, "store push cert", http.StatusInternalServerError, err)
		return
	}
	log.From(r.Context(), logger).DebugContext(r.Context(), "stored push cert", "topic", topic)
	writeJSON(w, r, logger, http.StatusOK, newPushCertBody(cert, topic))
}

func (a *API) getPushCert(w http.ResponseWriter, r *http.Request, logger *slog.Logger) {
	topic := r.URL.Query().Get("topic")
	if topic == "" {
		err := errors.New("missing required query parameter: topic")
		writeJSONError(w, r, logger, "parse topic query param", http.StatusBadRequest, err)
		return
	}
	pair, _, err := a.certs.RetrievePushCert(r.Context(), topic)
	if err != nil {
		writeJSONError(w, r, logger, "retrieve push cert", http.StatusInternalServerError, err)
		return
	}
	cert, err := leaf(pair)
	if err != nil {
		writeJSONError(w, r, logger, "decode and parse push cert", http.StatusInternalServerError, err)
		return
	}
	log.From(r.Context(), logger).DebugContext(r.Context(), "retrieved push cert", "topic", topic)
	writeJSON(w, r, logger, http.StatusOK, newPushCertBody(cert, topic))
}

// leaf returns the parsed first certificate of pair.
func leaf(pair *tls.Certificate) (*x509.Certificate, error) {
	if pair == nil || len(pair.Certificate) == 0 {
		return nil, errors.New("stored push cert has no certificate")
	}
	if pair.Leaf != nil {
		return pair.Leaf, nil
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("parsing stored push cert: %w", err)
	}
	return cert, nil
}
