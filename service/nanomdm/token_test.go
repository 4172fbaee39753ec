package nanomdm_test

import (
	"strings"
	"testing"

	"github.com/micromdm/plist"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
	"github.com/mdmforge/nanomdm/service/nanomdm"
)

func TestTokenMuxDispatch(t *testing.T) {
	mux := nanomdm.NewTokenMux()
	mux.Handle(mdm.TokenServiceMAID, nanomdm.NewStaticToken([]byte("maid-token")))
	mux.Handle(mdm.TokenServiceWatchPairing, nanomdm.NewStaticToken([]byte("watch-token")))

	tests := []struct {
		name        string
		serviceType string
		want        string
		wantErr     string
	}{
		{name: "maid", serviceType: mdm.TokenServiceMAID, want: "maid-token"},
		{name: "watch", serviceType: mdm.TokenServiceWatchPairing, want: "watch-token"},
		{name: "unregistered", serviceType: "com.example.other", wantErr: "no handler for TokenServiceType: com.example.other"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := mux.GetToken(newRequest(), &mdm.GetToken{TokenServiceType: tc.serviceType})
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("got error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if string(resp.TokenData) != tc.want {
				t.Errorf("got TokenData %q, want %q", resp.TokenData, tc.want)
			}
		})
	}
}

func TestTokenMuxHandlePanics(t *testing.T) {
	tests := []struct {
		name        string
		serviceType string
		handler     service.GetToken
	}{
		{name: "empty type", handler: nanomdm.NewStaticToken(nil)},
		{name: "nil handler", serviceType: mdm.TokenServiceMAID},
		{name: "duplicate", serviceType: mdm.TokenServiceMAID, handler: nanomdm.NewStaticToken(nil)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mux := nanomdm.NewTokenMux()
			if tc.name == "duplicate" {
				mux.Handle(tc.serviceType, tc.handler)
			}
			defer func() {
				if recover() == nil {
					t.Error("got no panic, want one")
				}
			}()
			mux.Handle(tc.serviceType, tc.handler)
		})
	}
}

func TestStaticTokenRoundTrip(t *testing.T) {
	mux := nanomdm.NewTokenMux()
	mux.Handle(mdm.TokenServiceMAID, nanomdm.NewStaticToken([]byte("abc\x00\xff")))
	svc, _ := newService(&fakeStore{}, nanomdm.WithGetToken(mux))
	body := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>MessageType</key><string>GetToken</string>
<key>UDID</key><string>UDID-1</string>
<key>TokenServiceType</key><string>com.apple.maid</string></dict></plist>`)

	reply, err := service.CheckinRequest(svc, newRequest(), body)
	if err != nil {
		t.Fatalf("got error %v, want nil", err)
	}
	var got mdm.GetTokenResponse
	if err := plist.Unmarshal(reply, &got); err != nil {
		t.Fatalf("decoding reply %q: %v", reply, err)
	}
	if string(got.TokenData) != "abc\x00\xff" {
		t.Errorf("got TokenData %q, want %q", got.TokenData, "abc\x00\xff")
	}
	if !strings.Contains(string(reply), "<key>TokenData</key>") {
		t.Errorf("got reply %q, want a TokenData key", reply)
	}
}
