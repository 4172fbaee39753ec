package apns_test

import (
	"bufio"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mdmforge/nanomdm/mdm"
	"golang.org/x/net/http2"
)

// newGoAwayServer starts a TLS server that speaks just enough raw HTTP/2
// to receive one request and then closes the connection after a GOAWAY
// frame with code and debug, the way APNs drops a connection.
func newGoAwayServer(t *testing.T, code http2.ErrCode, debug string) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.TLS = &tls.Config{NextProtos: []string{"h2"}, ClientAuth: tls.RequireAnyClientCert}
	srv.Config.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){
		"h2": func(_ *http.Server, conn *tls.Conn, _ http.Handler) {
			serveGoAway(t, conn, code, debug)
		},
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func serveGoAway(t *testing.T, conn *tls.Conn, code http2.ErrCode, debug string) {
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(conn)
	if _, err := io.ReadFull(r, make([]byte, len(http2.ClientPreface))); err != nil {
		t.Errorf("reading client preface: %v", err)
		return
	}
	fr := http2.NewFramer(conn, r)
	if err := fr.WriteSettings(); err != nil {
		t.Errorf("writing settings: %v", err)
		return
	}
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Errorf("reading frame: %v", err)
			return
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				_ = fr.WriteSettingsAck()
			}
		case *http2.DataFrame:
			if f.StreamEnded() {
				_ = fr.WriteGoAway(f.StreamID, code, []byte(debug))
				return
			}
		}
	}
}

func TestPushGoAway(t *testing.T) {
	tests := []struct {
		name    string
		code    http2.ErrCode
		debug   string
		wantErr string
	}{
		{
			name:    "JSON reason",
			code:    http2.ErrCodeProtocol,
			debug:   `{"reason":"BadCertificateEnvironment"}`,
			wantErr: "push HTTP status: 1: APNs push error: BadCertificateEnvironment",
		},
		{
			name:    "no debug data",
			code:    http2.ErrCodeNo,
			wantErr: "push HTTP status: 0: decoding JSON push error: EOF",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := providerFor(t, newGoAwayServer(t, tt.code, tt.debug))
			got, err := p.Push(t.Context(), []*mdm.Push{testPush(1)})
			if err != nil {
				t.Fatalf("Push: %v", err)
			}
			resp := got["abcd01"]
			if resp == nil || resp.Err == nil {
				t.Fatalf("got response %+v, want an error", resp)
			}
			if resp.Err.Error() != tt.wantErr {
				t.Errorf("got error %q, want %q", resp.Err, tt.wantErr)
			}
		})
	}
}
