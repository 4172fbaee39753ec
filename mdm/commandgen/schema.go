package commandgen

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// embeddedSchemas holds Apple's command schemas, one YAML file per
// RequestType, under the MIT license in schemas/LICENSE.txt.
//
//go:embed schemas/*.yaml
var embeddedSchemas embed.FS

// The plist types a schema key can have, as [Key.Type] spells them.
const (
	TypeString     = "string"
	TypeInteger    = "integer"
	TypeReal       = "real"
	TypeBoolean    = "boolean"
	TypeDate       = "date"
	TypeData       = "data"
	TypeArray      = "array"
	TypeDictionary = "dictionary"
	TypeAny        = "any"
)

// Key is one key of a command schema.
//
// For a dictionary, SubKeys are its keys. For an array, SubKeys usually
// contain one entry that describes every element. Where they contain
// several (the Settings command), each entry is one allowed kind of
// element. A string element with SubKeys lists the allowed strings by
// their Name.
type Key struct {
	// Name is the key as it appears in the plist.
	Name string `yaml:"key"`

	// Type is one of the Type constants, without the angle brackets the
	// YAML files use.
	Type string `yaml:"type"`

	// Required reports whether the schema marks the key as required.
	Required bool `yaml:"-"`

	// Presence is the schema's raw presence value: "required", "optional"
	// or empty.
	Presence string `yaml:"presence"`

	// RangeList lists the allowed values, or is nil when any value of the
	// type is allowed.
	RangeList []any `yaml:"rangelist"`

	// Default is the value a device assumes when the key is absent, or nil.
	Default any `yaml:"default"`

	// SubKeys describe the contents of a dictionary or array.
	SubKeys []Key `yaml:"subkeys"`
}

// schemaFile is the part of a command schema file the generator reads.
type schemaFile struct {
	Payload struct {
		RequestType string `yaml:"requesttype"`
	} `yaml:"payload"`
	PayloadKeys []Key `yaml:"payloadkeys"`
}

var knownTypes = map[string]bool{
	TypeString: true, TypeInteger: true, TypeReal: true, TypeBoolean: true,
	TypeDate: true, TypeData: true, TypeArray: true, TypeDictionary: true,
	TypeAny: true,
}

// parseSchemas reads every *.yaml file at the top of fsys and returns the
// payload keys of each, by RequestType.
func parseSchemas(fsys fs.FS) (map[string][]Key, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("listing schema files: %w", err)
	}
	if len(names) == 0 {
		return nil, errors.New("no *.yaml command schema files found")
	}

	byType := make(map[string][]Key, len(names))
	from := make(map[string]string, len(names))
	for _, name := range names {
		requestType, keys, err := parseSchemaFile(fsys, name)
		if err != nil {
			return nil, err
		}
		if first, ok := from[requestType]; ok {
			return nil, fmt.Errorf("schema %s: RequestType %q already defined by %s",
				name, requestType, first)
		}
		from[requestType] = name
		byType[requestType] = keys
	}
	return byType, nil
}

func parseSchemaFile(fsys fs.FS, name string) (string, []Key, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return "", nil, fmt.Errorf("reading schema %s: %w", name, err)
	}

	var file schemaFile
	if err := yaml.Unmarshal(b, &file); err != nil {
		return "", nil, fmt.Errorf("parsing schema %s: %w", name, err)
	}
	requestType := file.Payload.RequestType
	if requestType == "" {
		return "", nil, fmt.Errorf("schema %s: missing payload.requesttype", name)
	}

	if err := normalizeKeys(file.PayloadKeys, path.Base(name)+":"+requestType); err != nil {
		return "", nil, err
	}
	return requestType, file.PayloadKeys, nil
}

// normalizeKeys strips the angle brackets from each key's type, sets
// Required, and checks that every type is one the generator can build.
func normalizeKeys(keys []Key, where string) error {
	for i := range keys {
		k := &keys[i]
		k.Type = strings.TrimSuffix(strings.TrimPrefix(k.Type, "<"), ">")
		if !knownTypes[k.Type] {
			return fmt.Errorf("schema %s: key %q has unknown type %q", where, k.Name, k.Type)
		}
		k.Required = k.Presence == "required"
		if err := normalizeKeys(k.SubKeys, where+"."+k.Name); err != nil {
			return err
		}
	}
	return nil
}

// sortedTypes returns the RequestTypes of byType in lexical order.
func sortedTypes(byType map[string][]Key) []string {
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	sort.Strings(types)
	return types
}
