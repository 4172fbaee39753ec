package commandgen

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// anyKeyName is the name Apple's schemas give a key of type any that
// stands for keys the schema does not list, as in an app configuration.
const anyKeyName = "ANY"

// applyOverride sets one caller-chosen key in command, creating the
// dictionaries on its path as needed.
func applyOverride(command map[string]any, keys []Key, o override) error {
	names, err := splitKeyPath(o.path)
	if err != nil {
		return err
	}

	dict, specs, open := command, keys, false
	for i, name := range names {
		k := findKey(specs, name)
		if k == nil && !open {
			return fmt.Errorf("setting %s: key %q is not in the schema", o.path, name)
		}
		if i == len(names)-1 {
			v, err := o.convert(k)
			if err != nil {
				return fmt.Errorf("setting %s: %w", o.path, err)
			}
			dict[name] = v
			return nil
		}
		if k != nil && k.Type != TypeDictionary && k.Type != TypeAny {
			return fmt.Errorf("setting %s: key %q is a %s, not a dictionary", o.path, name, k.Type)
		}

		child, ok := dict[name].(map[string]any)
		if !ok {
			child = make(map[string]any)
			dict[name] = child
		}
		dict = child
		specs, open = subKeys(k)
	}
	return nil
}

func splitKeyPath(keyPath string) ([]string, error) {
	names := strings.Split(keyPath, ".")
	for _, name := range names {
		if name == "" {
			return nil, fmt.Errorf("invalid key path %q: empty key name", keyPath)
		}
	}
	if names[0] == "RequestType" {
		return nil, errors.New("RequestType comes from the chosen command type and cannot be set")
	}
	return names, nil
}

// findKey returns the key called name in keys, or nil.
func findKey(keys []Key, name string) *Key {
	for i := range keys {
		if keys[i].Name == name {
			return &keys[i]
		}
	}
	return nil
}

// subKeys returns the schema of the dictionary k and whether that
// dictionary also takes keys its schema does not list. A nil k is a
// dictionary the schema does not describe, so it takes any key.
func subKeys(k *Key) ([]Key, bool) {
	if k == nil || k.Type == TypeAny || len(k.SubKeys) == 0 {
		return nil, true
	}
	return k.SubKeys, findKey(k.SubKeys, anyKeyName) != nil
}

// convert returns the value o sets for a key with schema k, or nil k for a
// key the schema does not describe.
func (o override) convert(k *Key) (any, error) {
	if o.hasText {
		return parseText(k, o.text)
	}
	return checkValue(k, o.value)
}

// parseText converts command-line text to the Go type of k's schema type.
// Text for a key the schema does not describe stays a string.
func parseText(k *Key, text string) (any, error) {
	if k == nil {
		return text, nil
	}
	switch k.Type {
	case TypeDictionary:
		return parseJSONText(k, text)
	case TypeArray:
		if strings.HasPrefix(strings.TrimSpace(text), "[") {
			return parseJSONText(k, text)
		}
		return parseList(k, text)
	}
	return parseScalar(k, text)
}

func parseScalar(k *Key, text string) (any, error) {
	var v any
	var err error
	switch k.Type {
	case TypeInteger:
		v, err = strconv.ParseInt(text, 10, 64)
	case TypeReal:
		v, err = strconv.ParseFloat(text, 64)
	case TypeBoolean:
		v, err = strconv.ParseBool(text)
	case TypeData:
		v, err = base64.StdEncoding.DecodeString(text)
	case TypeDate:
		v, err = time.Parse(time.RFC3339, text)
	default:
		v = text
	}
	if err != nil {
		return nil, fmt.Errorf("invalid %s value %q: %w", k.Type, text, err)
	}
	return v, nil
}

// parseList splits text on commas into array elements. Empty text is an
// empty array.
func parseList(k *Key, text string) ([]any, error) {
	items := []any{}
	if text == "" {
		return items, nil
	}

	var element *Key
	if len(k.SubKeys) == 1 {
		element = &k.SubKeys[0]
	}
	if element != nil && (element.Type == TypeDictionary || element.Type == TypeArray) {
		return nil, fmt.Errorf("array of %s elements needs a JSON array, got %q", element.Type, text)
	}
	for _, part := range strings.Split(text, ",") {
		v, err := parseText(element, part)
		if err != nil {
			return nil, err
		}
		items = append(items, v)
	}
	return items, nil
}

func parseJSONText(k *Key, text string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON for %s value %q: %w", k.Type, text, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("invalid JSON for %s value %q: text after the value", k.Type, text)
	}
	return fromJSON(k, v)
}
