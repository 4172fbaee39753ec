package mdm

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
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
	body, err := readAll(r.Body, r.ContentLength)
	if err != nil {
		return nil, fmt.Errorf("reading body: %w", err)
	}
	return body, nil
}

// maxPresized bounds the buffer readAll allocates up front from a
// Content-Length the client claims, so a false length cannot make the
// server allocate more than this before any byte arrives.
const maxPresized = 64 << 10

// readAll reads body to its end into a buffer sized for size bytes when
// size is known, so a body of the announced length takes one allocation
// instead of the several that io.ReadAll's doubling takes.
func readAll(body io.Reader, size int64) ([]byte, error) {
	if size <= 0 || size > maxPresized {
		return io.ReadAll(body)
	}
	// One byte more than announced, so the read that returns io.EOF finds
	// room and the buffer need not grow.
	buf := make([]byte, 0, size+1)
	for {
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		} else if err != nil {
			return buf, err
		}
		if len(buf) == cap(buf) {
			// The body is longer than its Content-Length claimed.
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// withBody returns a shallow copy of r whose context carries body for
// [readBody] and whose Body reads body again, for handlers such as the
// auth proxy that forward the stream.
func withBody(r *http.Request, body []byte) *http.Request {
	r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, body))
	r.Body = io.NopCloser(bytes.NewReader(body))
	return r
}
