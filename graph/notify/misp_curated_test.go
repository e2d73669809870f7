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

	"github.com/casefile/casefile/evidence/annotate"
	"github.com/casefile/casefile/evidence/sampledata"
	"github.com/casefile/casefile/graph/notify"
)

// TestMISPEventOfCuratedIOCs: when the team has curated an IOC list, the
// MISP event holds those indicators only, each with its own TLP (tag and
// distribution) and comment; the event carries the strictest TLP; a relay
// on the list stays out of detection; the event validates against the
// MISP 2.5 schema. Without --indicator matches on the list, notify falls
// back to the sources with an external verdict.
func TestMISPEventOfCuratedIOCs(t *testing.T) {
	sch := mispSchema(t, sampledata.Path(t, "misp-format", "generated-by-us", "misp-core-format-2.5.schema.from-rfc-raw.md.json"))
	fx := newFixture(t)
	ctx := context.Background()
	st, err := annotate.Read(fx.c)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []annotate.IOCDraft{
		{Indicator: "185.220.101.4", TLP: "clear", Comment: "Tor exit used for the guessing"},
		{Indicator: "45.9.20.1", TLP: "amber+strict", Comment: "the attacker's VPS"},
		{Indicator: "evil.example", TLP: "green"},
		{Indicator: strings.Repeat("ab", 32), TLP: "red", Comment: "the dropped binary"},
	} {
		ch, err := st.PlanIOC(d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := annotate.Record(ctx, fx.c, "Ann Analyst <ann@victim.example>", ch); err != nil {
			t.Fatal(err)
		}
		if err := st.CatchUp(fx.c); err != nil {
			t.Fatal(err)
		}
	}
	o := opts
	o.Out, o.TLP = filepath.Join(t.TempDir(), "out"), "green"
	res, err := notify.Prepare(ctx, fx.c, fx.finding, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.MISP == nil || !res.MISPCurated || strings.Join(res.MISP.Sources, " ") != "185.220.101.4 45.9.20.1 "+strings.Repeat("ab", 32)+" evil.example" {
		t.Fatalf("MISP report %+v (curated %v)", res.MISP, res.MISPCurated)
	}
	b, err := os.ReadFile(filepath.Join(o.Out, notify.MISPFile))
	if err != nil {
		t.Fatal(err)
	}
	v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err := sch.Validate(v); err != nil {
		t.Fatalf("the event does not validate against the MISP 2.5 schema: %v", err)
	}
	var ev struct {
		Event struct {
			Distribution string `json:"distribution"`
			Tag          []struct{ Name string }
			Attribute    []struct {
				Type, Category, Value, Distribution, Comment string
				ToIDS                                        bool `json:"to_ids"`
				Tag                                          []struct{ Name string }
			}
		}
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Event.Distribution != "0" || len(ev.Event.Tag) != 1 || ev.Event.Tag[0].Name != "tlp:red" {
		t.Errorf("event distribution %s, tags %v: want the strictest TLP (red, this organisation)", ev.Event.Distribution, ev.Event.Tag)
	}
	want := map[string]struct{ typ, dist, tlp string }{
		"185.220.101.4":          {"ip-src", "3", "tlp:clear"},
		"45.9.20.1":              {"ip-src", "0", "tlp:amber+strict"},
		"evil.example":           {"domain", "1", "tlp:green"},
		strings.Repeat("ab", 32): {"sha256", "0", "tlp:red"},
	}
	if len(ev.Event.Attribute) != len(want) {
		t.Fatalf("%d attributes", len(ev.Event.Attribute))
	}
	for _, a := range ev.Event.Attribute {
		w := want[a.Value]
		if a.Type != w.typ || a.Distribution != w.dist || a.Tag[0].Name != w.tlp || !strings.Contains(a.Comment, "listed by Ann Analyst") {
			t.Errorf("%s: %+v, want %+v", a.Value, a, w)
		}
		switch a.Value {
		case "185.220.101.4":
			if a.ToIDS || !strings.Contains(a.Comment, "Tor exit used for the guessing") || !strings.Contains(a.Comment, "an anonymising relay") {
				t.Errorf("the relay: %+v", a)
			}
		case "45.9.20.1":
			if !a.ToIDS {
				t.Errorf("the perpetrator's VPS is for detection: %+v", a)
			}
		}
	}

	// --indicator naming none of the list: the sources with a verdict.
	o.Out = filepath.Join(t.TempDir(), "out2")
	o.Indicators = []string{"151.89.24.171"}
	res, err = notify.Prepare(ctx, fx.c, fx.finding, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.MISPCurated || res.MISP == nil || strings.Join(res.MISP.Sources, " ") != "151.89.24.171" {
		t.Errorf("fallback: curated %v, %+v", res.MISPCurated, res.MISP)
	}
}
