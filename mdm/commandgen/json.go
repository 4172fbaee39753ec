package commandgen

import (
	"encoding/json"
	"fmt"
	"time"
)

// fromJSON converts a value decoded from JSON (with json.Number for
// numbers) to plist values that follow schema k. A nil k converts by the
// JSON type alone.
func fromJSON(k *Key, v any) (any, error) {
	if k == nil || k.Type == TypeAny {
		return plainJSON(v), nil
	}
	switch k.Type {
	case TypeDictionary:
		return dictFromJSON(k, v)
	case TypeArray:
		return arrayFromJSON(k, v)
	}

	switch x := v.(type) {
	case json.Number:
		return numberFromJSON(k, x)
	case string:
		if k.Type == TypeString || k.Type == TypeData || k.Type == TypeDate {
			return parseScalar(k, x)
		}
	case bool:
		if k.Type == TypeBoolean {
			return x, nil
		}
	}
	return nil, fmt.Errorf("key %q needs a %s, got JSON %s", k.Name, k.Type, jsonKind(v))
}

func numberFromJSON(k *Key, n json.Number) (any, error) {
	switch k.Type {
	case TypeInteger:
		i, err := n.Int64()
		if err != nil {
			return nil, fmt.Errorf("key %q needs an integer, got %s", k.Name, n)
		}
		return i, nil
	case TypeReal:
		f, err := n.Float64()
		if err != nil {
			return nil, fmt.Errorf("key %q needs a real, got %s", k.Name, n)
		}
		return f, nil
	}
	return nil, fmt.Errorf("key %q needs a %s, got JSON number %s", k.Name, k.Type, n)
}

func dictFromJSON(k *Key, v any) (map[string]any, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("key %q needs a JSON object, got JSON %s", k.Name, jsonKind(v))
	}
	specs, open := subKeys(k)
	dict := make(map[string]any, len(obj))
	for name, raw := range obj {
		sub := findKey(specs, name)
		if sub == nil && !open {
			return nil, fmt.Errorf("key %q is not in the schema of %q", name, k.Name)
		}
		value, err := fromJSON(sub, raw)
		if err != nil {
			return nil, err
		}
		dict[name] = value
	}
	return dict, nil
}

func arrayFromJSON(k *Key, v any) ([]any, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("key %q needs a JSON array, got JSON %s", k.Name, jsonKind(v))
	}
	items := make([]any, 0, len(list))
	for i, raw := range list {
		element, err := elementKey(k, raw)
		if err != nil {
			return nil, fmt.Errorf("element %d of %q: %w", i, k.Name, err)
		}
		value, err := fromJSON(element, raw)
		if err != nil {
			return nil, fmt.Errorf("element %d of %q: %w", i, k.Name, err)
		}
		items = append(items, value)
	}
	return items, nil
}

// elementKey returns the schema of one element of array k. Where the
// schema lists several kinds of element, each kind is a dictionary with a
// required key that allows a single value (Settings and its Item key), so
// elementKey picks the kind whose value the element carries.
func elementKey(k *Key, element any) (*Key, error) {
	switch len(k.SubKeys) {
	case 0:
		return nil, nil
	case 1:
		return &k.SubKeys[0], nil
	}

	obj, _ := element.(map[string]any)
	for i := range k.SubKeys {
		if matchesKind(&k.SubKeys[i], obj) {
			return &k.SubKeys[i], nil
		}
	}
	return nil, fmt.Errorf("matches none of the %d element kinds the schema lists", len(k.SubKeys))
}

func matchesKind(kind *Key, obj map[string]any) bool {
	if kind.Type != TypeDictionary || obj == nil {
		return false
	}
	tagged := false
	for _, sub := range kind.SubKeys {
		if !sub.Required || len(sub.RangeList) != 1 {
			continue
		}
		tagged = true
		got, ok := obj[sub.Name]
		if !ok || fmt.Sprint(got) != fmt.Sprint(sub.RangeList[0]) {
			return false
		}
	}
	return tagged
}

// plainJSON converts JSON numbers to int64 where they are whole and to
// float64 otherwise, inside arrays and objects too.
func plainJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = plainJSON(x[i])
		}
	case map[string]any:
		for name := range x {
			x[name] = plainJSON(x[name])
		}
	}
	return v
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case json.Number:
		return "number"
	case string:
		return "string"
	case bool:
		return "boolean"
	case []any:
		return "array"
	}
	return "object"
}

// checkValue reports an error when v's Go type does not match the schema
// type of k. A nil k, or a key of type any, takes every value.
func checkValue(k *Key, v any) (any, error) {
	if k == nil || k.Type == TypeAny {
		return v, nil
	}
	ok := false
	switch x := v.(type) {
	case string:
		ok = k.Type == TypeString
	case int:
		ok, v = k.Type == TypeInteger, int64(x)
	case int64:
		ok = k.Type == TypeInteger
	case float64:
		ok = k.Type == TypeReal
	case bool:
		ok = k.Type == TypeBoolean
	case []byte:
		ok = k.Type == TypeData
	case time.Time:
		ok = k.Type == TypeDate
	case []any:
		ok = k.Type == TypeArray
	case map[string]any:
		ok = k.Type == TypeDictionary
	}
	if !ok {
		return nil, fmt.Errorf("a %T value does not fit key %q of type %s", v, k.Name, k.Type)
	}
	return v, nil
}
