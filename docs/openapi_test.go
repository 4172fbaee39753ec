package docs_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// loadOpenAPI parses openapi.yaml into generic maps.
func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("parsing openapi.yaml: %v", err)
	}
	return doc
}

func mapAt(t *testing.T, m map[string]any, key string) map[string]any {
	t.Helper()
	v, ok := m[key].(map[string]any)
	if !ok {
		t.Fatalf("got %s of type %T, want a mapping", key, m[key])
	}
	return v
}

func TestOpenAPIVersion(t *testing.T) {
	doc := loadOpenAPI(t)
	version, _ := doc["openapi"].(string)
	if !strings.HasPrefix(version, "3.") {
		t.Errorf("got openapi %q, want a 3.x version", version)
	}
}

func TestOpenAPIRoutes(t *testing.T) {
	paths := mapAt(t, loadOpenAPI(t), "paths")
	tests := []struct {
		name       string
		path       string
		methods    []string
		wantStatus []string
	}{
		{"pushcert upload", "/v1/pushcert", []string{"put"}, []string{"200", "400", "401", "413", "500"}},
		{"pushcert status", "/v1/pushcert", []string{"get"}, []string{"200", "400", "401", "500"}},
		{"enqueue", "/v1/enqueue/{ids}", []string{"put", "post"}, []string{"200", "207", "400", "401", "413", "500"}},
		{"push", "/v1/push/{ids}", []string{"get", "post"}, []string{"200", "207", "400", "401", "500"}},
		{"escrow", "/v1/escrowkeyunlock", []string{"post"}, []string{"400", "401", "413", "500", "default"}},
		{"migration", "/migration", []string{"put"}, []string{"200", "400", "401", "413", "500"}},
		{"version", "/version", []string{"get"}, []string{"200"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			item, ok := paths[tt.path].(map[string]any)
			if !ok {
				t.Fatalf("paths has no %s", tt.path)
			}
			for _, method := range tt.methods {
				op, ok := item[method].(map[string]any)
				if !ok {
					t.Errorf("%s has no %s operation", tt.path, method)
					continue
				}
				responses := mapAt(t, op, "responses")
				for _, status := range tt.wantStatus {
					if _, ok := responses[status]; !ok {
						t.Errorf("%s %s: missing response %s", method, tt.path, status)
					}
				}
			}
		})
	}
}

func TestOpenAPIRefsResolve(t *testing.T) {
	doc := loadOpenAPI(t)
	var refs []string
	collectRefs(doc, &refs)
	if len(refs) == 0 {
		t.Fatal("got no $ref in openapi.yaml, want the shared components referenced")
	}

	for _, ref := range refs {
		var node any = doc
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			m, ok := node.(map[string]any)
			if !ok {
				node = nil
				break
			}
			node = m[part]
		}
		if node == nil {
			t.Errorf("$ref %q does not resolve", ref)
		}
	}
}

func collectRefs(node any, refs *[]string) {
	switch n := node.(type) {
	case map[string]any:
		if ref, ok := n["$ref"].(string); ok && !slices.Contains(*refs, ref) {
			*refs = append(*refs, ref)
		}
		for _, v := range n {
			collectRefs(v, refs)
		}
	case []any:
		for _, v := range n {
			collectRefs(v, refs)
		}
	}
}

func TestOpenAPIAuth(t *testing.T) {
	doc := loadOpenAPI(t)
	schemes := mapAt(t, mapAt(t, doc, "components"), "securitySchemes")
	basic := mapAt(t, schemes, "basicAuth")
	if basic["type"] != "http" || basic["scheme"] != "basic" {
		t.Errorf("got basicAuth %v, want HTTP Basic", basic)
	}

	version := mapAt(t, mapAt(t, mapAt(t, doc, "paths"), "/version"), "get")
	if security, ok := version["security"].([]any); !ok || len(security) != 0 {
		t.Errorf("got /version security %v, want an empty list (no auth)", version["security"])
	}
}
