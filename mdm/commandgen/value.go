package commandgen

import (
	"fmt"
	"strings"
	"time"
)

// Placeholders for keys whose schema gives no rangelist or default. They
// are plausible in form, so a device parses them, but name nothing real.
const (
	placeholderString     = "example"
	placeholderURL        = "https://mdm.example.com/"
	placeholderUUID       = "00000000-0000-4000-8000-000000000000"
	placeholderIdentifier = "com.example.app"
	placeholderHostName   = "host.example.com"
	placeholderIPv6       = "2001:db8::1"
)

var placeholderDate = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

// requiredDict returns a dictionary with a value for every required key of
// keys.
func requiredDict(keys []Key) map[string]any {
	dict := make(map[string]any)
	for i := range keys {
		if keys[i].Required {
			dict[keys[i].Name] = exampleValue(&keys[i])
		}
	}
	return dict
}

// exampleValue returns a value of k's type: the first rangelist entry, the
// default, or a placeholder, in that order of preference. Dictionaries get
// their required keys, and arrays get one element.
func exampleValue(k *Key) any {
	switch k.Type {
	case TypeDictionary:
		return requiredDict(k.SubKeys)
	case TypeArray:
		return exampleArray(k)
	}
	if len(k.RangeList) > 0 {
		if v, err := convertScalar(k, k.RangeList[0]); err == nil {
			return v
		}
	}
	if k.Default != nil {
		if v, err := convertScalar(k, k.Default); err == nil {
			return v
		}
	}
	return placeholder(k)
}

// exampleArray returns an array with one element built from the first
// element description, or an empty array when the schema has none.
func exampleArray(k *Key) []any {
	if len(k.SubKeys) == 0 {
		return []any{}
	}
	item := &k.SubKeys[0]
	if item.Type == TypeString && len(item.SubKeys) > 0 && len(item.RangeList) == 0 {
		// A string element whose sub keys list the allowed strings, such
		// as the query names of DeviceInformation.
		return []any{item.SubKeys[0].Name}
	}
	return []any{exampleValue(item)}
}

// placeholder returns a fixed value of k's scalar type, shaped by the key
// name where the name says what the string holds.
func placeholder(k *Key) any {
	switch k.Type {
	case TypeInteger:
		return int64(1)
	case TypeReal:
		return 1.0
	case TypeBoolean:
		return false
	case TypeDate:
		return placeholderDate
	case TypeData:
		return []byte(placeholderString)
	}

	switch {
	case strings.HasSuffix(k.Name, "URL"):
		return placeholderURL
	case strings.HasSuffix(k.Name, "UUID"), strings.HasSuffix(k.Name, "GUID"):
		return placeholderUUID
	case k.Name == "Identifier":
		return placeholderIdentifier
	case strings.HasSuffix(k.Name, "DNSName"), strings.HasSuffix(k.Name, "HostName"):
		return placeholderHostName
	case strings.Contains(k.Name, "IPv6Address"):
		return placeholderIPv6
	}
	return placeholderString
}

// convertScalar converts a value decoded from YAML or JSON to the Go type
// of k's scalar type.
func convertScalar(k *Key, v any) (any, error) {
	switch k.Type {
	case TypeString, TypeAny:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case TypeInteger:
		switch n := v.(type) {
		case int:
			return int64(n), nil
		case int64:
			return n, nil
		case float64:
			if n == float64(int64(n)) {
				return int64(n), nil
			}
		}
	case TypeReal:
		switch n := v.(type) {
		case int:
			return float64(n), nil
		case int64:
			return float64(n), nil
		case float64:
			return n, nil
		}
	case TypeBoolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	}
	return nil, fmt.Errorf("value %v (%T) is not a %s", v, v, k.Type)
}
