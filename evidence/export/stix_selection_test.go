package export

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/export/stixtest"
)

// TestSTIXBundleOfSelection: a selection's bundle (casefile notify's)
// validates against the OASIS schemas, says of each source what the
// package's bundle says (same indicator id, pattern, type, description
// and confidence: one builder), and shows a special-purpose address as
// observed data without an indicator.
func TestSTIXBundleOfSelection(t *testing.T) {
	tc := newTestCase(t)
	out := filepath.Join(t.TempDir(), "pkg")
	build(t, tc, tc.options(out))
	pk, err := readPackage(t.Context(), out)
	if err != nil {
		t.Fatal(err)
	}
	info, err := tc.c.Info()
	if err != nil {
		t.Fatal(err)
	}
	fs := append(testFindings(), Finding{Indicator: "10.0.0.5", Type: "ip", Role: "compromised-third-party", Probability: 0.6, Words: "likely", Confidence: "low"})
	raw, err := STIXBundle(STIXSelection{CaseID: info.CaseID, Title: info.Title, Author: testExaminer, TLP: "amber",
		Time: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC), Findings: fs})
	if err != nil {
		t.Fatal(err)
	}
	sel := stixtest.Validate(t, raw)
	var pkg struct{ Objects []map[string]any }
	if err := json.Unmarshal(pk.files[fileSTIX].data, &pkg); err != nil {
		t.Fatal(err)
	}
	indicators := func(objs []map[string]any) map[string]map[string]any {
		m := map[string]map[string]any{}
		for _, o := range objs {
			if o["type"] == "indicator" {
				m[o["name"].(string)] = o
			}
		}
		return m
	}
	got, want := indicators(sel), indicators(pkg.Objects)
	if len(got) != 2 || len(want) != 2 {
		t.Fatalf("indicators: selection %d, package %d", len(got), len(want))
	}
	for name, w := range want {
		g := got[name]
		for _, k := range []string{"id", "pattern", "description", "confidence", "created_by_ref"} {
			if gj, wj := jsonOf(g[k]), jsonOf(w[k]); gj != wj {
				t.Errorf("%s %s: selection %s, package %s", name, k, gj, wj)
			}
		}
		if jsonOf(g["indicator_types"]) != jsonOf(w["indicator_types"]) {
			t.Errorf("%s: indicator types %v, package %v", name, g["indicator_types"], w["indicator_types"])
		}
	}
	observed := stixtest.Named(sel)
	if len(observed) != 3 || observed[0] != "10.0.0.5" {
		t.Errorf("named %v, want the special-purpose address as observed data too", observed)
	}
	if _, err := STIXBundle(STIXSelection{TLP: "purple"}); err == nil {
		t.Error("an unknown TLP was accepted")
	}
}

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }
