package commandgen_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/micromdm/plist"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/mdm/commandgen"
)

func newGenerator(t *testing.T, opts ...commandgen.Option) *commandgen.Generator {
	t.Helper()
	g, err := commandgen.New(opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

// decodeCommandDict returns the Command dictionary of a built plist.
func decodeCommandDict(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := plist.Unmarshal(b, &doc); err != nil {
		t.Fatalf("decoding built plist: %v\n%s", err, b)
	}
	command, ok := doc["Command"].(map[string]any)
	if !ok {
		t.Fatalf("got Command %T, want a dictionary\n%s", doc["Command"], b)
	}
	return command
}

func TestRequestTypesMatchSchemaFiles(t *testing.T) {
	files, err := filepath.Glob("schemas/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	types := newGenerator(t).RequestTypes()

	if len(types) != len(files) {
		t.Errorf("got %d RequestTypes, want %d (one per schema file)", len(types), len(files))
	}
	if !slices.IsSorted(types) {
		t.Errorf("got unsorted RequestTypes %v", types)
	}
	for _, want := range []string{"DeviceInformation", "InstallProfile", "Settings"} {
		if !slices.Contains(types, want) {
			t.Errorf("got RequestTypes without %s", want)
		}
	}
}

func TestBuildEverySchema(t *testing.T) {
	g := newGenerator(t)
	for _, requestType := range g.RequestTypes() {
		t.Run(requestType, func(t *testing.T) {
			t.Parallel()
			b, err := g.Build(requestType, commandgen.WithCommandUUID("UUID-"+requestType))
			if err != nil {
				t.Fatalf("Build: %v", err)
			}

			cmd, err := mdm.DecodeCommand(b)
			if err != nil {
				t.Fatalf("DecodeCommand: %v\n%s", err, b)
			}
			if cmd.Command.RequestType != requestType {
				t.Errorf("got RequestType %q, want %q", cmd.Command.RequestType, requestType)
			}
			if cmd.CommandUUID != "UUID-"+requestType {
				t.Errorf("got CommandUUID %q, want %q", cmd.CommandUUID, "UUID-"+requestType)
			}

			keys, err := g.Keys(requestType)
			if err != nil {
				t.Fatalf("Keys: %v", err)
			}
			checkRequired(t, requestType, keys, decodeCommandDict(t, b))
		})
	}
}

// checkRequired reports every required key of keys missing from dict or
// decoded with a Go type that does not match its schema type.
func checkRequired(t *testing.T, where string, keys []commandgen.Key, dict map[string]any) {
	t.Helper()
	for _, k := range keys {
		if !k.Required {
			continue
		}
		v, ok := dict[k.Name]
		if !ok {
			t.Errorf("%s: missing required key %s", where, k.Name)
			continue
		}
		checkType(t, where+"."+k.Name, k, v)
	}
}

func checkType(t *testing.T, where string, k commandgen.Key, v any) {
	t.Helper()
	ok := false
	switch k.Type {
	case commandgen.TypeString, commandgen.TypeAny:
		_, ok = v.(string)
	case commandgen.TypeInteger:
		switch v.(type) {
		case int64, uint64:
			ok = true
		}
	case commandgen.TypeReal:
		_, ok = v.(float64)
	case commandgen.TypeBoolean:
		_, ok = v.(bool)
	case commandgen.TypeData:
		_, ok = v.([]byte)
	case commandgen.TypeDate:
		_, ok = v.(time.Time)
	case commandgen.TypeDictionary:
		var dict map[string]any
		if dict, ok = v.(map[string]any); ok {
			checkRequired(t, where, k.SubKeys, dict)
		}
	case commandgen.TypeArray:
		var list []any
		if list, ok = v.([]any); ok && len(k.SubKeys) > 0 && len(list) != 1 {
			t.Errorf("%s: got %d elements, want 1", where, len(list))
		}
	}
	if !ok {
		t.Errorf("%s: got %T, want a plist %s", where, v, k.Type)
	}
}

func TestBuildRandomCommandUUID(t *testing.T) {
	random := bytes.NewReader(bytes.Repeat([]byte{0xab}, 16))
	g := newGenerator(t, commandgen.WithRandom(random))

	b, err := g.Build("ProfileList")
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	cmd, err := mdm.DecodeCommand(b)
	if err != nil {
		t.Fatalf("DecodeCommand: %v", err)
	}
	// Version nibble 4 and variant bits 10, as RFC 9562 sets for version 4.
	want := "ABABABAB-ABAB-4BAB-ABAB-ABABABABABAB"
	if cmd.CommandUUID != want {
		t.Errorf("got CommandUUID %q, want %q", cmd.CommandUUID, want)
	}
}

func TestBuildRandomFailure(t *testing.T) {
	g := newGenerator(t, commandgen.WithRandom(bytes.NewReader(nil)))
	_, err := g.Build("ProfileList")
	if err == nil || !strings.Contains(err.Error(), "CommandUUID") {
		t.Errorf("got error %v, want one naming the CommandUUID", err)
	}
}

func TestBuildUnknownRequestType(t *testing.T) {
	g := newGenerator(t)
	_, err := g.Build("NoSuchCommand")
	if !errors.Is(err, commandgen.ErrUnknownRequestType) {
		t.Errorf("got error %v, want ErrUnknownRequestType", err)
	}
	if err != nil && !strings.Contains(err.Error(), "NoSuchCommand") {
		t.Errorf("got error %q, want it to name the type", err)
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	g := newGenerator(t)
	first, err := g.Build("Settings", commandgen.WithCommandUUID("A"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := g.Build("Settings", commandgen.WithCommandUUID("A"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Errorf("got different bytes for the same command:\n%s\n%s", first, second)
	}
}

func TestEmbeddedSchemasKeepLicense(t *testing.T) {
	if _, err := os.Stat(filepath.Join("schemas", "LICENSE.txt")); errors.Is(err, fs.ErrNotExist) {
		t.Error("schemas/LICENSE.txt is missing, want Apple's license next to the schemas")
	}
}
