package commandgen_test

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mdmforge/nanomdm/mdm/commandgen"
)

func TestBuildOverrides(t *testing.T) {
	tests := []struct {
		name        string
		requestType string
		opts        []commandgen.CommandOption
		key         string
		want        any
	}{
		{
			name:        "string",
			requestType: "RemoveProfile",
			opts:        []commandgen.CommandOption{commandgen.WithText("Identifier", "com.acme.wifi")},
			key:         "Identifier",
			want:        "com.acme.wifi",
		},
		{
			name:        "boolean",
			requestType: "EraseDevice",
			opts:        []commandgen.CommandOption{commandgen.WithText("PreserveDataPlan", "true")},
			key:         "PreserveDataPlan",
			want:        true,
		},
		{
			name:        "data as base64",
			requestType: "InstallProfile",
			opts:        []commandgen.CommandOption{commandgen.WithText("Payload", "aGVsbG8=")},
			key:         "Payload",
			want:        []byte("hello"),
		},
		{
			name:        "data value",
			requestType: "InstallProfile",
			opts:        []commandgen.CommandOption{commandgen.WithValue("Payload", []byte{1, 2})},
			key:         "Payload",
			want:        []byte{1, 2},
		},
		{
			name:        "comma list",
			requestType: "DeviceInformation",
			opts:        []commandgen.CommandOption{commandgen.WithText("Queries", "UDID,SerialNumber")},
			key:         "Queries",
			want:        []any{"UDID", "SerialNumber"},
		},
		{
			name:        "JSON array",
			requestType: "DeviceInformation",
			opts:        []commandgen.CommandOption{commandgen.WithText("Queries", `["OSVersion"]`)},
			key:         "Queries",
			want:        []any{"OSVersion"},
		},
		{
			name:        "nested path",
			requestType: "RotateFileVaultKey",
			opts:        []commandgen.CommandOption{commandgen.WithText("FileVaultUnlock.Password", "s3cret")},
			key:         "FileVaultUnlock",
			want:        map[string]any{"Password": "s3cret"},
		},
		{
			name:        "element kinds by Item",
			requestType: "Settings",
			opts: []commandgen.CommandOption{commandgen.WithText("Settings",
				`[{"Item":"DeviceName","DeviceName":"Lab 1"},{"Item":"Wallpaper","Image":"AQI=","Where":2}]`)},
			key: "Settings",
			want: []any{
				map[string]any{"Item": "DeviceName", "DeviceName": "Lab 1"},
				map[string]any{"Item": "Wallpaper", "Image": []byte{1, 2}, "Where": uint64(2)},
			},
		},
		{
			name:        "open dictionary takes any key",
			requestType: "Settings",
			opts: []commandgen.CommandOption{commandgen.WithText("Settings",
				`[{"Item":"ApplicationConfiguration","Identifier":"com.acme","Configuration":{"n":3,"s":"x"}}]`)},
			key: "Settings",
			want: []any{map[string]any{
				"Item":          "ApplicationConfiguration",
				"Identifier":    "com.acme",
				"Configuration": map[string]any{"n": uint64(3), "s": "x"},
			}},
		},
		{
			name:        "later option wins",
			requestType: "RemoveProfile",
			opts: []commandgen.CommandOption{
				commandgen.WithText("Identifier", "first"),
				commandgen.WithText("Identifier", "second"),
			},
			key:  "Identifier",
			want: "second",
		},
		{
			name:        "integer",
			requestType: "ScheduleOSUpdate",
			opts: []commandgen.CommandOption{commandgen.WithText("Updates",
				`[{"InstallAction":"InstallASAP","MaxUserDeferrals":3}]`)},
			key:  "Updates",
			want: []any{map[string]any{"InstallAction": "InstallASAP", "MaxUserDeferrals": uint64(3)}},
		},
	}

	g := newGenerator(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := g.Build(tt.requestType, tt.opts...)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			got := decodeCommandDict(t, b)[tt.key]
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("key %s mismatch (-want +got):\n%s", tt.key, diff)
			}
		})
	}
}

func TestBuildOverrideErrors(t *testing.T) {
	tests := []struct {
		name        string
		requestType string
		opt         commandgen.CommandOption
		wantErr     string
	}{
		{"unknown key", "ProfileList", commandgen.WithText("Bogus", "1"), `key "Bogus" is not in the schema`},
		{"empty path", "ProfileList", commandgen.WithText("", "1"), "empty key name"},
		{"empty segment", "RotateFileVaultKey", commandgen.WithText("FileVaultUnlock..Password", "x"), "empty key name"},
		{"RequestType", "ProfileList", commandgen.WithText("RequestType", "X"), "RequestType"},
		{"bad boolean", "EraseDevice", commandgen.WithText("PreserveDataPlan", "maybe"), `invalid boolean value "maybe"`},
		{"bad base64", "InstallProfile", commandgen.WithText("Payload", "!!"), `invalid data value "!!"`},
		{"path through scalar", "RemoveProfile", commandgen.WithText("Identifier.X", "1"), `key "Identifier" is a string`},
		{"bad JSON", "DeviceInformation", commandgen.WithText("Queries", "[1,"), "invalid JSON"},
		{"JSON trailing text", "RotateFileVaultKey", commandgen.WithText("FileVaultUnlock", "{} {}"), "text after the value"},
		{"JSON wrong type", "DeviceInformation", commandgen.WithText("Queries", "[true]"), "needs a string"},
		{"dictionary needs object", "RotateFileVaultKey", commandgen.WithText("FileVaultUnlock", "[]"), "needs a JSON object"},
		{"unknown nested key", "RotateFileVaultKey", commandgen.WithText("FileVaultUnlock", `{"Nope":1}`), `key "Nope" is not in the schema`},
		{"no element kind", "Settings", commandgen.WithText("Settings", `[{"Item":"Nope"}]`), "element 0 of \"Settings\""},
		{"fraction for integer", "ScheduleOSUpdate", commandgen.WithText("Updates", `[{"InstallAction":"Default","MaxUserDeferrals":1.5}]`), "needs an integer"},
		{"list of dictionaries", "ScheduleOSUpdate", commandgen.WithText("Updates", "a,b"), "needs a JSON array"},
		{"value type mismatch", "InstallProfile", commandgen.WithValue("Payload", "text"), `does not fit key "Payload"`},
		{"date for string", "RemoveProfile", commandgen.WithValue("Identifier", time.Time{}), `does not fit key "Identifier"`},
		{"nested boolean", "EraseDevice", commandgen.WithText("ReturnToService.Enabled", "yes"), `invalid boolean value "yes"`},
	}

	g := newGenerator(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := g.Build(tt.requestType, tt.opt)
			if err == nil {
				t.Fatalf("got no error, want one containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewSchemaErrors(t *testing.T) {
	const valid = "payload:\n  requesttype: Ping\npayloadkeys:\n- key: A\n  type: <string>\n  presence: required\n"
	tests := []struct {
		name    string
		files   fstest.MapFS
		wantErr string
	}{
		{"no files", fstest.MapFS{}, "no *.yaml"},
		{"bad YAML", fstest.MapFS{"a.yaml": {Data: []byte("payload: [")}}, "parsing schema a.yaml"},
		{"no RequestType", fstest.MapFS{"a.yaml": {Data: []byte("title: x\n")}}, "a.yaml: missing payload.requesttype"},
		{"duplicate RequestType", fstest.MapFS{
			"a.yaml": {Data: []byte(valid)},
			"b.yaml": {Data: []byte(valid)},
		}, `b.yaml: RequestType "Ping" already defined by a.yaml`},
		{"unknown type", fstest.MapFS{"a.yaml": {Data: []byte(
			"payload:\n  requesttype: Ping\npayloadkeys:\n- key: A\n  type: <blob>\n")}}, `key "A" has unknown type "blob"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := commandgen.New(commandgen.WithSchemas(tt.files))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewWithSchemas(t *testing.T) {
	files := fstest.MapFS{"ping.yaml": {Data: []byte(
		"payload:\n  requesttype: Ping\npayloadkeys:\n- key: Count\n  type: <integer>\n  presence: required\n  rangelist: [5, 6]\n")}}
	g := newGenerator(t, commandgen.WithSchemas(files))

	if got := g.RequestTypes(); !cmp.Equal(got, []string{"Ping"}) {
		t.Errorf("got RequestTypes %v, want [Ping]", got)
	}
	b, err := g.Build("Ping", commandgen.WithCommandUUID("U"))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if got := decodeCommandDict(t, b)["Count"]; got != uint64(5) {
		t.Errorf("got Count %v (%T), want the first rangelist entry 5", got, got)
	}
}
