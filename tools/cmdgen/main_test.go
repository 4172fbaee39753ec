package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/micromdm/plist"

	"github.com/mdmforge/nanomdm/mdm"
)

func runTool(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRunBuildsCommand(t *testing.T) {
	profile := filepath.Join(t.TempDir(), "profile.mobileconfig")
	if err := os.WriteFile(profile, []byte("<plist/>"), 0o600); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := runTool(t, "-type", "InstallProfile", "-uuid", "CMD-1",
		"-file", "Payload="+profile)
	if code != 0 {
		t.Fatalf("got exit %d, want 0; stderr: %s", code, stderr)
	}
	cmd, err := mdm.DecodeCommand([]byte(stdout))
	if err != nil {
		t.Fatalf("DecodeCommand: %v\n%s", err, stdout)
	}
	if cmd.CommandUUID != "CMD-1" {
		t.Errorf("got CommandUUID %q, want CMD-1", cmd.CommandUUID)
	}
	if cmd.Command.RequestType != "InstallProfile" {
		t.Errorf("got RequestType %q, want InstallProfile", cmd.Command.RequestType)
	}

	var doc struct{ Command struct{ Payload []byte } }
	if err := plist.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if string(doc.Command.Payload) != "<plist/>" {
		t.Errorf("got Payload %q, want the file bytes", doc.Command.Payload)
	}
}

func TestRunSetKeys(t *testing.T) {
	code, stdout, stderr := runTool(t, "-type", "DeviceInformation",
		"-set", "Queries=UDID,OSVersion")
	if code != 0 {
		t.Fatalf("got exit %d, want 0; stderr: %s", code, stderr)
	}
	var doc struct{ Command struct{ Queries []string } }
	if err := plist.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(doc.Command.Queries, ","); got != "UDID,OSVersion" {
		t.Errorf("got Queries %q, want UDID,OSVersion", got)
	}
}

func TestRunListAndKeys(t *testing.T) {
	code, stdout, _ := runTool(t, "-list")
	if code != 0 || !strings.Contains(stdout, "DeviceInformation\n") {
		t.Errorf("got exit %d and output %q, want 0 and a list with DeviceInformation", code, stdout)
	}

	code, stdout, _ = runTool(t, "-type", "ScheduleOSUpdate", "-keys")
	if code != 0 {
		t.Fatalf("got exit %d, want 0", code)
	}
	if !strings.Contains(stdout, "Updates  array  required\n") {
		t.Errorf("got keys %q, want an Updates line", stdout)
	}
	if !strings.Contains(stdout, "    InstallAction  string  required  values: Default, ") {
		t.Errorf("got keys %q, want a nested InstallAction line with values", stdout)
	}
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"missing type", nil, 2, "missing -type"},
		{"bad set", []string{"-type", "ProfileList", "-set", "novalue"}, 2, `invalid "novalue"`},
		{"extra argument", []string{"-type", "ProfileList", "extra"}, 2, `unexpected argument "extra"`},
		{"unknown flag", []string{"-nope"}, 2, "flag provided but not defined"},
		{"unknown type", []string{"-type", "Nope"}, 1, `unknown RequestType: "Nope"`},
		{"unknown type keys", []string{"-type", "Nope", "-keys"}, 1, `unknown RequestType: "Nope"`},
		{"unknown key", []string{"-type", "ProfileList", "-set", "X=1"}, 1, `key "X" is not in the schema`},
		{"missing file", []string{"-type", "InstallProfile", "-file", "Payload=/nonexistent/p"}, 1, "reading -file for Payload"},
		{"file for string key", []string{"-type", "RemoveProfile", "-file", "Identifier=main.go"}, 1, `does not fit key "Identifier"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runTool(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("got exit %d, want %d", code, tt.wantCode)
			}
			if stdout != "" {
				t.Errorf("got output %q, want none on error", stdout)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("got stderr %q, want it to contain %q", stderr, tt.wantStderr)
			}
		})
	}
}

func TestRunHelp(t *testing.T) {
	code, _, stderr := runTool(t, "-h")
	if code != 0 {
		t.Errorf("got exit %d, want 0", code)
	}
	if !strings.Contains(stderr, "-set KEY=VALUE") {
		t.Errorf("got usage %q, want the -set flag", stderr)
	}
}
