package docs_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func loadJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
	return v
}

func newWebhookValidator(t *testing.T) (*schemaValidator, map[string]any) {
	t.Helper()
	schema := loadJSON(t, "webhook.schema.json")
	return &schemaValidator{root: schema}, schema
}

func TestWebhookGoldenEventsValidate(t *testing.T) {
	validator, schema := newWebhookValidator(t)
	files, err := filepath.Glob("testdata/webhook/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("got no golden events in testdata/webhook")
	}

	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			event := loadJSON(t, file)
			for _, e := range validator.validate(schema, event, "$") {
				t.Errorf("golden event rejected: %s", e)
			}
		})
	}
}

// mutate loads the golden event at path afresh and applies change to it.
func mutate(t *testing.T, path string, change func(event map[string]any)) map[string]any {
	t.Helper()
	event := loadJSON(t, path)
	change(event)
	return event
}

func member(event map[string]any, name string) map[string]any {
	m, _ := event[name].(map[string]any)
	return m
}

func TestWebhookSchemaAcceptsAllMembers(t *testing.T) {
	events := map[string]string{
		"user enrollment TokenUpdate": `{"checkin_event":{"enrollment_id":"E1","ids":{"id":"E1:U1",` +
			`"parent_id":"E1","type":"User Enrollment"},"raw_payload":"AA==","token_update_tally":1,` +
			`"url_params":{"a":"b"}},"created_at":"2026-12-04T16:12:22.498738839+02:00",` +
			`"event_id":"fbbde3078e1966f4","topic":"mdm.TokenUpdate"}`,
		"idle report without event_id": `{"acknowledge_event":{"ids":{"id":"U1:FFFF","parent_id":"U1",` +
			`"type":"Shared iPad"},"raw_payload":"AA==","status":"Idle","udid":"U1"},` +
			`"created_at":"0001-01-01T00:00:00Z","topic":"mdm.Connect"}`,
	}
	validator, schema := newWebhookValidator(t)
	for name, text := range events {
		t.Run(name, func(t *testing.T) {
			var event map[string]any
			if err := json.Unmarshal([]byte(text), &event); err != nil {
				t.Fatal(err)
			}
			for _, e := range validator.validate(schema, event, "$") {
				t.Errorf("event rejected: %s", e)
			}
		})
	}
}

func TestWebhookSchemaRejects(t *testing.T) {
	const checkin = "testdata/webhook/Authenticate.2.json"
	const ack = "testdata/webhook/DeviceInformation.1.json"
	tests := []struct {
		name    string
		file    string
		change  func(map[string]any)
		wantErr string
	}{
		{"missing topic", checkin, func(e map[string]any) { delete(e, "topic") }, `missing required member "topic"`},
		{"unknown topic", checkin, func(e map[string]any) { e["topic"] = "mdm.Nope" }, "want one of"},
		{"check-in as Connect", checkin, func(e map[string]any) { e["topic"] = "mdm.Connect" }, `"acknowledge_event"`},
		{"report as check-in", ack, func(e map[string]any) { e["topic"] = "mdm.TokenUpdate" }, `"checkin_event"`},
		{"both events", ack, func(e map[string]any) { e["checkin_event"] = member(e, "acknowledge_event") }, "matches a schema under not"},
		{"bad created_at", checkin, func(e map[string]any) { e["created_at"] = "yesterday" }, "invalid date-time"},
		{"extra member", checkin, func(e map[string]any) { e["extra"] = 1.0 }, "$.extra: member not allowed"},
		{"missing ids", checkin, func(e map[string]any) { delete(member(e, "checkin_event"), "ids") }, `missing required member "ids"`},
		{"bad enrollment type", ack, func(e map[string]any) {
			member(member(e, "acknowledge_event"), "ids")["type"] = "Robot"
		}, "$.acknowledge_event.ids.type"},
		{"missing status", ack, func(e map[string]any) { delete(member(e, "acknowledge_event"), "status") }, `missing required member "status"`},
		{"raw payload not base64", checkin, func(e map[string]any) { member(e, "checkin_event")["raw_payload"] = "%%" }, "invalid base64"},
		{"negative tally", checkin, func(e map[string]any) { member(e, "checkin_event")["token_update_tally"] = -1.0 }, "want at least 0"},
		{"fractional tally", checkin, func(e map[string]any) { member(e, "checkin_event")["token_update_tally"] = 1.5 }, "want integer"},
		{"url param not string", checkin, func(e map[string]any) {
			member(e, "checkin_event")["url_params"] = map[string]any{"a": 1.0}
		}, "$.checkin_event.url_params.a"},
	}

	validator, schema := newWebhookValidator(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := validator.validate(schema, mutate(t, tt.file, tt.change), "$")
			joined := strings.Join(errs, "\n")
			if !strings.Contains(joined, tt.wantErr) {
				t.Errorf("got errors %q, want one containing %q", joined, tt.wantErr)
			}
		})
	}
}
