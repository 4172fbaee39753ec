package mdm

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"

	nanohttp "github.com/mdmforge/nanomdm/http"
)

type certKey struct{}

type bodyKey struct{}

// WithCertificate returns a copy of ctx carrying cert as the request's
// identity certificate.
func WithCertificate(ctx context.Context, cert *x509.Certificate) context.Context {
	return context.WithValue(ctx, certKey{}, cert)
}

// Certificate returns the identity certificate stored on ctx by
// [WithCertificate], or nil.
func Certificate(ctx context.Context) *x509.Certificate {
	cert, _ := ctx.Value(certKey{}).(*x509.Certificate)
	return cert
}

// readBody returns the request body. A body that the signature check
// already read is taken from the context instead of being copied again.
func readBody(r *http.Request) ([]byte, error) {
	if body, ok := r.Context().Value(bodyKey{}).([]byte); ok {
		return body, nil
	}
	body, err := nanohttp.ReadAll(r.Body, r.ContentLength)
	if err != nil {
		return nil, fmt.Errorf("reading body: %w", err)
	}
	return body, nil
}

// withBody returns a shallow copy of r whose context carries body for
// [readBody] and whose Body reads body again, for handlers such as the
// auth proxy that forward the stream.
func withBody(r *http.Request, body []byte) *http.Request {
	r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, body))
	r.Body = io.NopCloser(bytes.NewReader(body))
	return r
}
