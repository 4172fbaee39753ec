package mdm_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mdmforge/nanomdm/mdm"
)

func TestDecodeCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		raw         []byte
		want        *mdm.Command
		wantInvalid bool
		wantParse   bool
	}{
		{
			name: "device information",
			raw: plistDoc(`<key>CommandUUID</key><string>C-1</string>` +
				`<key>Command</key><dict><key>RequestType</key><string>DeviceInformation</string>` +
				`<key>Queries</key><array><string>UDID</string></array></dict>`),
			want: &mdm.Command{
				CommandUUID: "C-1",
				Command:     mdm.CommandPayload{RequestType: "DeviceInformation"},
			},
		},
		{
			name:        "missing CommandUUID",
			raw:         plistDoc(`<key>Command</key><dict><key>RequestType</key><string>X</string></dict>`),
			wantInvalid: true,
		},
		{
			name:        "missing Command",
			raw:         plistDoc(`<key>CommandUUID</key><string>C-1</string>`),
			wantInvalid: true,
		},
		{
			name: "missing RequestType",
			raw: plistDoc(`<key>CommandUUID</key><string>C-1</string>` +
				`<key>Command</key><dict/>`),
			wantInvalid: true,
		},
		{
			name:        "command report",
			raw:         readFixture(t, "DeviceInformation.1.plist"),
			wantInvalid: true,
		},
		{name: "empty", raw: nil, wantParse: true},
		{name: "not a plist", raw: []byte("{}"), wantParse: true},
		{
			name:      "Command as string",
			raw:       plistDoc(`<key>CommandUUID</key><string>C-1</string><key>Command</key><string>X</string>`),
			wantParse: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := mdm.DecodeCommand(tt.raw)
			if gotInvalid := errors.Is(err, mdm.ErrInvalidCommand); gotInvalid != tt.wantInvalid {
				t.Errorf("errors.Is(%v, ErrInvalidCommand) = %v, want %v", err, gotInvalid, tt.wantInvalid)
			}
			var parseErr *mdm.ParseError
			if gotParse := errors.As(err, &parseErr); gotParse != tt.wantParse {
				t.Errorf("errors.As(%v, *ParseError) = %v, want %v", err, gotParse, tt.wantParse)
			}
			if tt.want == nil {
				if got != nil {
					t.Errorf("DecodeCommand() = %+v, want nil", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeCommand: %v", err)
			}
			tt.want.Raw = mdm.Raw{Raw: tt.raw}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeCommand() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeCommandResultsFixtures(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"DeviceInformation.1.plist", "DeviceInformation.1.bplist"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			raw := readFixture(t, file)
			got, err := mdm.DecodeCommandResults(raw)
			if err != nil {
				t.Fatalf("DecodeCommandResults: %v", err)
			}
			want := &mdm.CommandResults{
				Enrollment:  mdm.Enrollment{UDID: testUDID},
				CommandUUID: "76eda240-5488-4989-8339-f2ae160113c4",
				Status:      mdm.StatusAcknowledged,
				Raw:         mdm.Raw{Raw: raw},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("DecodeCommandResults() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeCommandResults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		raw         []byte
		want        *mdm.CommandResults
		wantInvalid bool
		wantParse   bool
	}{
		{
			name: "idle",
			raw:  plistDoc(`<key>Status</key><string>Idle</string><key>UDID</key><string>D</string>`),
			want: &mdm.CommandResults{Enrollment: mdm.Enrollment{UDID: "D"}, Status: mdm.StatusIdle},
		},
		{
			name: "error chain",
			raw: plistDoc(`<key>CommandUUID</key><string>C-1</string>` +
				`<key>EnrollmentID</key><string>ENR-1</string>` +
				`<key>Status</key><string>Error</string><key>ErrorChain</key><array><dict>` +
				`<key>ErrorCode</key><integer>12021</integer>` +
				`<key>ErrorDomain</key><string>MCMDMErrorDomain</string>` +
				`<key>LocalizedDescription</key><string>Bad</string>` +
				`<key>USEnglishDescription</key><string>Bad</string></dict></array>`),
			want: &mdm.CommandResults{
				Enrollment:  mdm.Enrollment{EnrollmentID: "ENR-1"},
				CommandUUID: "C-1",
				Status:      mdm.StatusError,
				ErrorChain: []mdm.ErrorChainItem{{
					ErrorCode:            12021,
					ErrorDomain:          "MCMDMErrorDomain",
					LocalizedDescription: "Bad",
					USEnglishDescription: "Bad",
				}},
			},
		},
		{
			// Status values are not validated.
			name: "arbitrary status",
			raw:  plistDoc(`<key>CommandUUID</key><string>C-1</string><key>Status</key><string>Whatever</string>`),
			want: &mdm.CommandResults{CommandUUID: "C-1", Status: "Whatever"},
		},
		{
			name:        "missing Status",
			raw:         plistDoc(`<key>UDID</key><string>D</string>`),
			wantInvalid: true,
		},
		{
			name:        "empty Status",
			raw:         plistDoc(`<key>Status</key><string></string>`),
			wantInvalid: true,
		},
		{
			name:        "check-in sent as report",
			raw:         readFixture(t, "Authenticate.2.plist"),
			wantInvalid: true,
		},
		{name: "empty", raw: []byte{}, wantParse: true},
		{name: "not a plist", raw: []byte("<html></html>"), wantParse: true},
		{
			name:      "Status as integer",
			raw:       plistDoc(`<key>Status</key><integer>1</integer>`),
			wantParse: true,
		},
		{
			name: "ErrorCode as string",
			raw: plistDoc(`<key>Status</key><string>Error</string><key>ErrorChain</key>` +
				`<array><dict><key>ErrorCode</key><string>x</string></dict></array>`),
			wantParse: true,
		},
		{
			name:      "root is an array",
			raw:       []byte(`<?xml version="1.0"?><plist version="1.0"><array/></plist>`),
			wantParse: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := mdm.DecodeCommandResults(tt.raw)
			if gotInvalid := errors.Is(err, mdm.ErrInvalidCommandResult); gotInvalid != tt.wantInvalid {
				t.Errorf("errors.Is(%v, ErrInvalidCommandResult) = %v, want %v",
					err, gotInvalid, tt.wantInvalid)
			}
			var parseErr *mdm.ParseError
			if gotParse := errors.As(err, &parseErr); gotParse != tt.wantParse {
				t.Errorf("errors.As(%v, *ParseError) = %v, want %v", err, gotParse, tt.wantParse)
			}
			if tt.wantParse && !bytes.Equal(parseErr.Content, tt.raw) {
				t.Errorf("ParseError.Content = %q, want the input", parseErr.Content)
			}
			if tt.want == nil {
				if got != nil {
					t.Errorf("DecodeCommandResults() = %+v, want nil", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeCommandResults: %v", err)
			}
			tt.want.Raw = mdm.Raw{Raw: tt.raw}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeCommandResults() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
