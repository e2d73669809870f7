package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/casefile/casefile/evidence/sampledata"
	"github.com/casefile/casefile/graph/notify"
)

// The MISP event holds every source with an external verdict, known abuse
// contact or not; validates against the MISP 2.5 JSON Schema and carries
// every field the format's RFC says an event and an attribute MUST have;
// relays and platforms are not for detection (to_ids false); the
// examiner's rationale and the probability are in the comments.
func TestMISPEvent(t *testing.T) {
	schemaPath := sampledata.Path(t, "misp-format", "generated-by-us", "misp-core-format-2.5.schema.from-rfc-raw.md.json")
	fx := newFixture(t)
	o := opts
	o.Out, o.TLP = filepath.Join(t.TempDir(), "out"), "green"
	res, err := notify.Prepare(context.Background(), fx.c, fx.finding, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.MISP == nil || strings.Join(res.MISP.Sources, " ") != "185.220.101.4 185.220.101.5 185.220.101.6 151.89.24.171 45.9.20.1 52.1.2.3" {
		t.Fatalf("MISP report %+v", res.MISP)
	}
	if e, err := fx.c.Entry(res.MISP.Entry); err != nil || e.Kind != notify.KindPrepared {
		t.Fatalf("entry %d: %v", res.MISP.Entry, err)
	}
	b, err := os.ReadFile(filepath.Join(o.Out, notify.MISPFile))
	if err != nil {
		t.Fatal(err)
	}
	sch := mispSchema(t, schemaPath)
	v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err := sch.Validate(v); err != nil {
		t.Fatalf("the event does not validate against the MISP 2.5 schema: %v", err)
	}
	if bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"Event":{"Attribute":[{"surprise":1}]}}`)); sch.Validate(bad) == nil {
		t.Fatal("the schema accepts anything: the test proves nothing")
	}
	// The RFC's MUST fields, as strings where it says so.
	var ev struct {
		Event map[string]any `json:"Event"`
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"uuid", "info", "date", "timestamp", "publish_timestamp", "org_id", "orgc_id", "distribution"} {
		if s, ok := ev.Event[k].(string); !ok || s == "" {
			t.Errorf("Event.%s = %v, want a non-empty string", k, ev.Event[k])
		}
	}
	if ev.Event["published"] != false || ev.Event["distribution"] != "1" {
		t.Errorf("published %v, distribution %v (TLP green → this community)", ev.Event["published"], ev.Event["distribution"])
	}
	for _, org := range []string{"Org", "Orgc"} {
		o, _ := ev.Event[org].(map[string]any)
		if o["uuid"] == nil || o["name"] != "Victim Ltd" || o["id"] == nil {
			t.Errorf("%s = %v", org, o)
		}
	}
	attrs, _ := ev.Event["Attribute"].([]any)
	if len(attrs) != 6 {
		t.Fatalf("%d attributes", len(attrs))
	}
	for _, x := range attrs {
		a := x.(map[string]any)
		for _, k := range []string{"uuid", "type", "category", "event_id", "distribution", "timestamp", "value"} {
			if s, ok := a[k].(string); !ok || s == "" {
				t.Errorf("%v: %s = %v", a["value"], k, a[k])
			}
		}
		if _, ok := a["to_ids"].(bool); !ok || a["deleted"] != false {
			t.Errorf("%v: to_ids %v deleted %v", a["value"], a["to_ids"], a["deleted"])
		}
		comment := a["comment"].(string)
		switch a["value"] {
		case "185.220.101.4":
			if a["to_ids"] != false || !strings.Contains(comment, "an anonymising relay (p = 0.96") || !strings.Contains(comment, "not for blocking") {
				t.Errorf("relay: %v", a)
			}
		case "151.89.24.171", "45.9.20.1":
			if a["to_ids"] != true {
				t.Errorf("%v is for detection: %v", a["value"], a)
			}
		case "52.1.2.3":
			if a["to_ids"] != false || !strings.Contains(comment, "by Ann: a cloud function of a customer") {
				t.Errorf("the examiner's platform: %v", a)
			}
		}
	}
}

// mispSchema compiles the MISP 2.5 JSON Schema as the RFC prints it.
func mispSchema(t *testing.T, schemaPath string) *jsonschema.Schema {
	t.Helper()
	sb, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(sb))
	if err != nil {
		t.Fatal(err)
	}
	// The schema as the RFC prints it has one slip that a strict draft-04
	// meta-schema check refuses: defs/sharing_group lists "required" among
	// its properties. Python's Draft4Validator lets it pass; here it is
	// moved to where it belongs, and nothing else is changed.
	sg := doc.(map[string]any)["defs"].(map[string]any)["sharing_group"].(map[string]any)
	props := sg["properties"].(map[string]any)
	if req, ok := props["required"].([]any); ok {
		delete(props, "required")
		sg["required"] = req
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("misp.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("misp.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}
