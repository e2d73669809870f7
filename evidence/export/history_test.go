package export

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/resultleaves"
)

// recordKept appends an assessment entry over leaves and keeps them, as
// graph.Record does (this package cannot import graph).
func recordKept(t *testing.T, tc *testCase, leaves ...string) *evidence.Entry {
	t.Helper()
	time.Sleep(2 * time.Millisecond) // STIX times are in milliseconds
	ls := make([][]byte, len(leaves))
	for i, l := range leaves {
		ls[i] = []byte(l)
	}
	tr, err := evidence.NewLeafTree(ls)
	if err != nil {
		t.Fatal(err)
	}
	root := evidence.EncodeRoot(tr.Root())
	op, err := resultleaves.Op(root, ls)
	if err != nil {
		t.Fatal(err)
	}
	es, err := tc.c.AppendAtomic(t.Context(), []evidence.Op{op}, evidence.Draft{Kind: kindAssessment, Actor: "Ann Analyst <ann@example.org>",
		Payload: map[string]any{"result_root": root, "sources": len(ls), "leaves_kept": true}})
	if err != nil {
		t.Fatal(err)
	}
	return es[0]
}

// TestSTIXTimesPerSource: when a new assessment changes one source only,
// that source's objects keep their id and created time and move their
// modified time; the other source's objects keep both; a source first
// assessed later is created then.
func TestSTIXTimesPerSource(t *testing.T) {
	tc := newTestCase(t)
	const relay, uni, uni2, doc = `{"indicator":"185.220.101.4","role":"anonymization-relay"}`, `{"indicator":"130.37.1.20","role":"compromised-third-party"}`,
		`{"indicator":"130.37.1.20","role":"abused-platform"}`, `{"indicator":"198.51.100.7","role":"undetermined"}`
	fs := append(testFindings(), Finding{Indicator: "198.51.100.7", Type: "ip", Role: "undetermined", Probability: 0.5, Words: "roughly even chance",
		Confidence: "low", Statement: "198.51.100.7 was seen."})
	export := func(name string) map[string]map[string]any {
		out := filepath.Join(t.TempDir(), name)
		o := tc.options(out)
		o.Findings = fs
		build(t, tc, o)
		return stixObjects(t, out)
	}
	first := recordKept(t, tc, uni, relay)
	a := export("a")
	second := recordKept(t, tc, uni2, relay)
	third := recordKept(t, tc, uni2, relay, doc)
	b := export("b")
	want := map[string][2]*evidence.Entry{ // source → created, modified in the second package
		"185.220.101.4": {first, first},
		"130.37.1.20":   {first, second},
		"198.51.100.7":  {third, third},
	}
	checked := map[string]int{}
	for id, o := range b {
		src := stixSource(b, o)
		if src == "" {
			continue
		}
		checked[src]++
		w := want[src]
		if o["created"] != stamp(w[0].Time) || o["modified"] != stamp(w[1].Time) {
			t.Errorf("%s of %s: created %v modified %v, want %s %s", o["type"], src, o["created"], o["modified"], stamp(w[0].Time), stamp(w[1].Time))
		}
		if src == "198.51.100.7" {
			continue
		}
		p := a[id]
		if p == nil {
			t.Fatalf("%s is not in the first package (same source, same id)", id)
		}
		if p["created"] != o["created"] || p["modified"] != stamp(first.Time) {
			t.Errorf("%s of %s in the first package: created %v modified %v", o["type"], src, p["created"], p["modified"])
		}
	}
	for src := range want {
		if checked[src] < 2 {
			t.Errorf("%d objects of %s checked", checked[src], src)
		}
	}
}

// TestSTIXTimesBeforeKept: where the first assessment entries were
// recorded before leaves were kept, a source is created at the case's
// first assessment (it may have been assessed then) and modified from the
// first kept entry on.
func TestSTIXTimesBeforeKept(t *testing.T) {
	tc := newTestCase(t)
	es, err := tc.c.Append(t.Context(), evidence.Draft{Kind: kindAssessment, Actor: "Ann Analyst <ann@example.org>", Payload: map[string]any{"sources": 2}})
	if err != nil {
		t.Fatal(err)
	}
	kept := recordKept(t, tc, `{"indicator":"130.37.1.20"}`, `{"indicator":"185.220.101.4"}`)
	out := filepath.Join(t.TempDir(), "pkg")
	build(t, tc, tc.options(out))
	n := 0
	objs := stixObjects(t, out)
	for _, o := range objs {
		if stixSource(objs, o) == "" {
			continue
		}
		n++
		if o["created"] != stamp(es[0].Time) || o["modified"] != stamp(kept.Time) {
			t.Errorf("%s: created %v modified %v", o["id"], o["created"], o["modified"])
		}
	}
	if n == 0 {
		t.Fatal("no assessment object")
	}
}

// stixSource names the source an assessment object speaks of ("" for
// other objects).
func stixSource(objs map[string]map[string]any, o map[string]any) string {
	switch o["type"] {
	case "infrastructure":
		s, _, _ := strings.Cut(o["name"].(string), " (")
		return s
	case "indicator":
		return o["name"].(string)
	case "note":
		return strings.TrimPrefix(o["abstract"].(string), noteAbstract)
	case "observed-data":
		return objs[o["object_refs"].([]any)[0].(string)]["value"].(string)
	case "relationship":
		return stixSource(objs, objs[o["source_ref"].(string)])
	}
	return ""
}
