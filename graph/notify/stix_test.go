package notify_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence/annotate"
	"github.com/casefile/casefile/evidence/export/stixtest"
	"github.com/casefile/casefile/graph/notify"
)

// mispValues are the values of a MISP event's attributes, sorted.
func mispValues(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ev struct {
		Event struct{ Attribute []struct{ Value string } }
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range ev.Event.Attribute {
		out = append(out, a.Value)
	}
	sort.Strings(out)
	return out
}

// indicatorsOf maps each indicator object's name to the object.
func indicatorsOf(objs []map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, o := range objs {
		if o["type"] == "indicator" {
			out[o["name"].(string)] = o
		}
	}
	return out
}

// TestSTIXBundleOfSources: without a curated list, stix-bundle.json holds
// the sources with an external verdict, the same as the MISP event; it
// validates against the OASIS STIX 2.1 schemas; relays are "anonymization"
// indicators and the platform (the examiner's verdict) "benign", never
// "malicious-activity"; and it is a custody entry of its own.
func TestSTIXBundleOfSources(t *testing.T) {
	fx := newFixture(t)
	o := opts
	o.Out = filepath.Join(t.TempDir(), "out")
	res, err := notify.Prepare(context.Background(), fx.c, fx.finding, o)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(o.Out, notify.STIXFile))
	if err != nil {
		t.Fatal(err)
	}
	objs := stixtest.Validate(t, raw)
	named, misp := stixtest.Named(objs), mispValues(t, filepath.Join(o.Out, notify.MISPFile))
	if !slices.Equal(named, misp) || len(named) != 6 {
		t.Fatalf("the STIX bundle names %v, the MISP event %v", named, misp)
	}
	want := map[string]string{"185.220.101.4": "anonymization", "52.1.2.3": "benign", "45.9.20.1": "malicious-activity", "151.89.24.171": "compromised"}
	inds := indicatorsOf(objs)
	for ind, typ := range want {
		if got := inds[ind]["indicator_types"].([]any)[0]; got != typ {
			t.Errorf("%s: indicator type %v, want %s", ind, got, typ)
		}
	}
	if s := inds["52.1.2.3"]["description"].(string); !strings.Contains(s, "by the examiner's verdict an abused legitimate platform") || inds["52.1.2.3"]["confidence"] != nil {
		t.Errorf("the platform's indicator does not state the examiner's verdict, or gives the model's confidence: %v", inds["52.1.2.3"])
	}
	if res.STIX == nil || strings.Join(res.STIX.Sources, " ") != strings.Join(res.MISP.Sources, " ") {
		t.Fatalf("STIX report %+v, MISP %+v", res.STIX, res.MISP)
	}
	e, err := fx.c.Entry(res.STIX.Entry)
	if err != nil || e.Kind != notify.KindPrepared || !strings.Contains(string(e.Payload), notify.STIXFile) {
		t.Fatalf("entry %d: %v %v", res.STIX.Entry, err, e)
	}
	if sum, _ := os.ReadFile(filepath.Join(o.Out, "summary.txt")); !strings.Contains(string(sum), notify.STIXFile) {
		t.Errorf("the summary does not list the STIX bundle:\n%s", sum)
	}
}

// TestSTIXBundleOfCuratedIOCs: with a curated list, the bundle holds its
// indicators, the same as the MISP event, each marked with its own TLP; a
// relay on the list is an "anonymization" indicator, as in the MISP event
// it is not for detection.
func TestSTIXBundleOfCuratedIOCs(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	st, err := annotate.Read(fx.c)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []annotate.IOCDraft{
		{Indicator: "185.220.101.4", TLP: "clear", Comment: "Tor exit used for the guessing"},
		{Indicator: "45.9.20.1", TLP: "amber+strict"},
		{Indicator: "evil.example", TLP: "green"},
		{Indicator: strings.Repeat("ab", 32), TLP: "red"},
		{Indicator: "SHA256:" + strings.Repeat("A", 43), Type: "ssh-key", TLP: "green"},
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
	o.Out = filepath.Join(t.TempDir(), "out")
	res, err := notify.Prepare(ctx, fx.c, fx.finding, o)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(o.Out, notify.STIXFile))
	if err != nil {
		t.Fatal(err)
	}
	objs := stixtest.Validate(t, raw)
	named, misp := stixtest.Named(objs), mispValues(t, filepath.Join(o.Out, notify.MISPFile))
	// The SSH key fingerprint is in the MISP event only, and said so.
	ssh := "SHA256:" + strings.Repeat("A", 43)
	if i := slices.Index(misp, ssh); i >= 0 {
		misp = slices.Delete(misp, i, i+1)
	}
	if !slices.Equal(named, misp) || len(named) != 4 || !slices.Equal(res.STIXOmitted, []string{ssh}) {
		t.Fatalf("the STIX bundle names %v, the MISP event %v (omitted %v)", named, misp, res.STIXOmitted)
	}
	if sum, _ := os.ReadFile(filepath.Join(o.Out, "summary.txt")); !strings.Contains(string(sum), "only in the MISP event (STIX patterns cannot name them): "+ssh) {
		t.Errorf("the summary does not say what the bundle lacks:\n%s", sum)
	}
	marks := map[string]string{}
	for _, x := range objs {
		if x["type"] == "marking-definition" {
			marks[x["id"].(string)] = x["name"].(string)
		}
	}
	inds := indicatorsOf(objs)
	for ind, tlp := range map[string]string{"185.220.101.4": "TLP:WHITE", "45.9.20.1": "TLP:AMBER", "evil.example": "TLP:GREEN", strings.Repeat("ab", 32): "TLP:RED"} {
		refs := inds[ind]["object_marking_refs"].([]any)
		if len(refs) != 1 || marks[refs[0].(string)] != tlp {
			t.Errorf("%s: marked %v, want %s", ind, refs, tlp)
		}
	}
	if got := inds["185.220.101.4"]["indicator_types"].([]any)[0]; got != "anonymization" {
		t.Errorf("the curated relay is a %v indicator", got)
	}
	if got := inds["45.9.20.1"]["indicator_types"].([]any)[0]; got != "malicious-activity" {
		t.Errorf("the curated attacker's VPS is a %v indicator", got)
	}
	if res.STIX == nil || !res.MISPCurated || len(res.STIX.Sources) != 5 {
		t.Fatalf("STIX report %+v", res.STIX)
	}
}
