package docs_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// schemaValidator checks JSON values against the subset of JSON Schema
// (draft 2020-12) that webhook.schema.json uses. A keyword outside that
// subset is reported as an error, so the schema cannot grow a constraint
// this check would silently skip.
type schemaValidator struct {
	root map[string]any
}

// annotations are keywords that do not constrain a value.
var annotations = []string{"$schema", "$id", "$defs", "title", "description", "contentMediaType"}

// validate returns every violation of schema by value, each prefixed with
// the JSON path of the value (with "$" for the root).
func (v *schemaValidator) validate(schema map[string]any, value any, path string) []string {
	if ref, ok := schema["$ref"].(string); ok {
		target, err := v.resolve(ref)
		if err != nil {
			return []string{path + ": " + err.Error()}
		}
		return v.validate(target, value, path)
	}

	var errs []string
	for keyword, arg := range schema {
		if slices.Contains(annotations, keyword) {
			continue
		}
		errs = append(errs, v.keyword(schema, keyword, arg, value, path)...)
	}
	return errs
}

func (v *schemaValidator) resolve(ref string) (map[string]any, error) {
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	defs, _ := v.root["$defs"].(map[string]any)
	target, found := defs[name].(map[string]any)
	if !ok || !found {
		return nil, fmt.Errorf("unresolved $ref %q", ref)
	}
	return target, nil
}

// keyword checks one keyword of schema against value.
func (v *schemaValidator) keyword(schema map[string]any, keyword string, arg, value any, path string) []string {
	fail := func(format string, args ...any) []string {
		return []string{path + ": " + fmt.Sprintf(format, args...)}
	}
	switch keyword {
	case "type":
		if got := jsonType(value); got != arg && !(arg == "number" && got == "integer") {
			return fail("got %s, want %s", got, arg)
		}
	case "enum":
		if !slices.Contains(arg.([]any), value) {
			return fail("got %v, want one of %v", value, arg)
		}
	case "const":
		if value != arg {
			return fail("got %v, want %v", value, arg)
		}
	case "minimum":
		if n, ok := value.(float64); ok && n < arg.(float64) {
			return fail("got %v, want at least %v", n, arg)
		}
	case "format", "contentEncoding":
		return v.stringFormat(arg.(string), value, path)
	case "required", "properties", "additionalProperties":
		return v.object(schema, keyword, value, path)
	case "if", "then", "else", "not":
		return v.conditional(schema, keyword, value, path)
	default:
		return fail("keyword %q is not supported by this check", keyword)
	}
	return nil
}

func (v *schemaValidator) stringFormat(format string, value any, path string) []string {
	s, ok := value.(string)
	if !ok {
		return nil
	}
	var err error
	switch format {
	case "date-time":
		_, err = time.Parse(time.RFC3339Nano, s)
	case "base64":
		_, err = base64.StdEncoding.DecodeString(s)
	default:
		err = fmt.Errorf("format %q is not supported by this check", format)
	}
	if err != nil {
		return []string{fmt.Sprintf("%s: invalid %s: %v", path, format, err)}
	}
	return nil
}

// object checks required, properties and additionalProperties. Each of
// them ignores values that are not objects, as JSON Schema specifies.
func (v *schemaValidator) object(schema map[string]any, keyword string, value any, path string) []string {
	obj, ok := value.(map[string]any)
	if !ok {
		return nil
	}
	properties, _ := schema["properties"].(map[string]any)

	var errs []string
	for name, member := range obj {
		sub, declared := properties[name].(map[string]any)
		switch {
		case keyword == "properties" && declared:
			errs = append(errs, v.validate(sub, member, path+"."+name)...)
		case keyword == "additionalProperties" && !declared:
			errs = append(errs, v.additional(schema[keyword], member, path+"."+name)...)
		}
	}
	if keyword == "required" {
		for _, name := range schema["required"].([]any) {
			if _, ok := obj[name.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: missing required member %q", path, name))
			}
		}
	}
	return errs
}

func (v *schemaValidator) additional(arg, member any, path string) []string {
	switch a := arg.(type) {
	case bool:
		if !a {
			return []string{path + ": member not allowed"}
		}
		return nil
	case map[string]any:
		return v.validate(a, member, path)
	}
	return []string{path + ": additionalProperties must be a boolean or a schema"}
}

// conditional checks if/then/else and not. The "if" keyword also checks
// "then" or "else", so those two add nothing on their own.
func (v *schemaValidator) conditional(schema map[string]any, keyword string, value any, path string) []string {
	switch keyword {
	case "not":
		if len(v.validate(schema["not"].(map[string]any), value, path)) == 0 {
			return []string{path + ": matches a schema under not"}
		}
	case "if":
		branch := "else"
		if len(v.validate(schema["if"].(map[string]any), value, path)) == 0 {
			branch = "then"
		}
		if sub, ok := schema[branch].(map[string]any); ok {
			return v.validate(sub, value, path)
		}
	}
	return nil
}

// jsonType returns the JSON Schema type name of a value decoded by
// encoding/json into any.
func jsonType(value any) string {
	switch x := value.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case json.Number:
		return "number"
	}
	return "object"
}
