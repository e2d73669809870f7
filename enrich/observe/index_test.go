package observe_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/memstore"
)

const ds = "sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"

// recordOdd records observations whose JSON from encoding/json is not
// canonical (U+2028 is escaped there, written raw in canonical JSON).
func recordOdd(t testing.TB) (*evidence.Case, *memstore.Store) {
	t.Helper()
	ctx := context.Background()
	c, err := memstore.NewCase(ctx, "T", "T")
	if err != nil {
		t.Fatal(err)
	}
	date := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	obs := map[string][]enrich.Observation{
		"192.0.2.7": {{Dataset: ds, DatasetDate: date, Indicator: "192.0.2.7", Source: "whois:test", SourceType: enrich.TypeWHOIS,
			Fields: map[string]any{"remarks": "line\u2028separator <&>", "tiny": 1e-7, "asn": int64(64500)}}},
		"192.0.2.8": {{Dataset: ds, DatasetDate: date, Indicator: "192.0.2.8", Source: "whois:test", SourceType: enrich.TypeWHOIS,
			Fields: map[string]any{"netname": "EXAMPLE"}}},
		"192.0.2.9": nil, // a miss, kept
	}
	n, err := observe.NewRecorder(c, "T", nil).Record(ctx, observe.Source{Dataset: ds, KeepMisses: true, Name: "whois:test", Type: enrich.TypeWHOIS, Date: date}, obs)
	if err != nil || n != 2 {
		t.Fatalf("recorded %d: %v", n, err)
	}
	return c, c.Derived().(*memstore.Store)
}

// obsIndexKey is the index key of what the WHOIS answer ds said of ind.
func obsIndexKey(ind string) []byte { return []byte("o/" + ind + "\x00whois/" + ds) }

// The index holds the observations, as leaves of the entry that commits to
// them; the entry names no indicator.
func TestIndexHoldsTheLeaves(t *testing.T) {
	c, st := recordOdd(t)
	got, err := observe.Observations(c, "192.0.2.7")
	if err != nil || len(got) != 1 {
		t.Fatalf("%v %v", got, err)
	}
	f := got[0].Fields
	if f["remarks"] != "line\u2028separator <&>" || f["tiny"] != 1e-7 || f["asn"] != float64(64500) || got[0].Reliability == "" {
		t.Errorf("fields came back as %#v (reliability %q)", f, got[0].Reliability)
	}
	v, err := st.Get(obsIndexKey("192.0.2.7"))
	if err != nil || v[0] != 'l' || !strings.Contains(string(v), "line\u2028separator") {
		t.Errorf("index value %q: %v", v, err)
	}
	e, err := c.Entry(1)
	var p observe.Payload
	if err != nil || e.DecodePayload(&p) != nil || p.ObservationsRoot == "" || p.ObservationCount != 2 || p.Observations != nil || strings.Contains(string(e.Payload), "192.0.2") {
		t.Errorf("the entry: %s (%v)", e.Payload, err)
	}
	leaves, err := observe.EntryLeaves(c)
	if err != nil || len(leaves[1]) != 2 || leaves[1][0].Indicator != "192.0.2.7" || leaves[1][1].Index != 1 {
		t.Fatalf("leaves %+v: %v", leaves, err)
	}
	tree, _ := evidence.NewLeafTree([][]byte{leaves[1][0].JSON, leaves[1][1].JSON})
	if evidence.EncodeRoot(tree.Root()) != p.ObservationsRoot {
		t.Error("the leaves do not hash to the entry's observations_root")
	}
	// A miss is kept as an empty list, and is known.
	if v, _ := st.Get(obsIndexKey("192.0.2.9")); string(v) != "[]" {
		t.Errorf("miss stored as %q", v)
	}
	all, err := observe.All(c)
	if err != nil || len(all) != 2 || all["192.0.2.8"][0].Fields["netname"] != "EXAMPLE" {
		t.Fatalf("all: %v %v", all, err)
	}
	if r, err := c.Verify(context.Background(), evidence.VerifyOptions{}); err != nil || !r.OK {
		t.Fatalf("verify: %+v %v", r, err)
	}
}

func TestIndexLiteralArraysStillRead(t *testing.T) {
	c, st := recordOdd(t)
	// Cases recorded before references kept a copy of the observations.
	st.Corrupt(obsIndexKey("192.0.2.8"), []byte(`[{"dataset":"`+ds+`","dataset_date":"2026-11-01T00:00:00Z","fields":{"netname":"OLD"},"indicator":"192.0.2.8","reliability":"C","source":"whois:test","source_type":"whois"}]`))
	got, err := observe.Observations(c, "192.0.2.8")
	if err != nil || len(got) != 1 || got[0].Fields["netname"] != "OLD" {
		t.Fatalf("%v %v", got, err)
	}
}

// A reference copied from another indicator's key points at that
// indicator's observations: refused, not shown as this one's.
func TestIndexReferenceToAnotherIndicator(t *testing.T) {
	c, st := recordOdd(t)
	v, err := st.Get(obsIndexKey("192.0.2.8"))
	if err != nil {
		t.Fatal(err)
	}
	st.Corrupt(obsIndexKey("192.0.2.7"), v)
	if _, err := observe.Observations(c, "192.0.2.7"); err == nil || !strings.Contains(err.Error(), "the index is damaged") {
		t.Fatalf("got %v", err)
	}
}

func TestDamagedIndexIsAClearError(t *testing.T) {
	for name, v := range map[string][]byte{
		"past the end":  append([]byte{'r', 0x80, 0x80, 0x20, 10}, 0, 0, 0, 0, 0, 0, 0, 1),
		"wrong entry":   append([]byte{'r', 1, 10}, 0, 0, 0, 0, 0, 0, 0, 0),
		"no such entry": append([]byte{'r', 1, 10}, 0, 0, 0, 0, 0, 0, 1, 0),
		"truncated":     {'r', 1},
		"not json":      []byte("[{"),
		"another's":     []byte(`[{"indicator":"192.0.2.8"}]`),
	} {
		t.Run(name, func(t *testing.T) {
			c, st := recordOdd(t)
			st.Corrupt(obsIndexKey("192.0.2.7"), v)
			_, err := observe.Observations(c, "192.0.2.7")
			if err == nil {
				t.Fatal("no error")
			}
			if _, err2 := observe.All(c); err2 == nil {
				t.Fatal("All: no error")
			}
			t.Log(err)
			if !strings.Contains(err.Error(), "192.0.2.7") && !strings.Contains(err.Error(), "the index is damaged") {
				t.Errorf("unclear error: %v", err)
			}
		})
	}
}

// Whatever bytes an attacker leaves under an index key, reading gives
// observations or an error, never a panic or a read outside the entry.
func FuzzIndexValue(f *testing.F) {
	f.Add([]byte("[]"))
	f.Add([]byte("["))
	f.Add(append([]byte{'r', 1, 10}, 0, 0, 0, 0, 0, 0, 0, 1))
	f.Add(append([]byte{'r', 0xff, 0xff, 0xff, 0xff, 0x0f, 10}, 0, 0, 0, 0, 0, 0, 0, 1))
	f.Add([]byte(`[{"indicator":"192.0.2.7"}]`))
	c, st := recordOdd(f)
	f.Fuzz(func(t *testing.T, v []byte) {
		st.Corrupt(obsIndexKey("192.0.2.7"), v)
		got, err := observe.Observations(c, "192.0.2.7")
		if err == nil && len(v) > 0 && v[0] == 'r' {
			for _, o := range got {
				if o.Indicator != "192.0.2.7" {
					t.Fatalf("a reference gave another indicator's observation: %+v", o)
				}
			}
		}
		if err == nil && len(v) == 0 {
			t.Fatal("an empty index value read without error")
		}
		observe.All(c)
		indexProblems(t, c) // must not panic either
	})
}

func indexProblems(t testing.TB, c *evidence.Case) []string {
	t.Helper()
	var ps []string
	if _, err := observe.Verify(context.Background(), c, func(where, detail string) { ps = append(ps, where+": "+detail) }); err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestVerifyIndex(t *testing.T) {
	c, st := recordOdd(t)
	if ps := indexProblems(t, c); len(ps) != 0 {
		t.Fatalf("intact: %v", ps)
	}
	ref8, _ := st.Get(obsIndexKey("192.0.2.8"))
	for name, tc := range map[string]struct {
		damage func()
		want   string
	}{
		"deleted":    {func() { st.Delete(obsIndexKey("192.0.2.7")) }, "entry 1: 1 of its 2 observations are indexed"},
		"redirected": {func() { st.Corrupt(obsIndexKey("192.0.2.7"), ref8) }, "entry 1: observation 1, indexed under 192.0.2.7, is not a canonical observation of it"},
		"emptied":    {func() { st.Corrupt(obsIndexKey("192.0.2.7"), []byte("[]")) }, "entry 1: 1 of its 2 observations are indexed"},
		"invented": {func() { st.Corrupt(obsIndexKey("198.51.100.1"), ref8) },
			"entry 1: observation 1, indexed under 198.51.100.1, is not a canonical observation of it"},
		"changed": {func() {
			v, _ := st.Get(obsIndexKey("192.0.2.8"))
			st.Corrupt(obsIndexKey("192.0.2.8"), []byte(strings.Replace(string(v), "EXAMPLE", "EXAMPLF", 1)))
		}, "entry 1: the observations the index holds for it are not those its observations_root commits to"},
		"planted": {func() {
			st.Corrupt(obsIndexKey("198.51.100.1"), append([]byte("l\x05[{\"indicator\":\"198.51.100.1\"}]"), 0, 0, 0, 0, 0, 0, 0, 9))
		}, "observation index 198.51.100.1: holds observations that no entry records there"},
	} {
		t.Run(name, func(t *testing.T) {
			c, st = recordOdd(t)
			ref8, _ = st.Get(obsIndexKey("192.0.2.8"))
			tc.damage()
			if ps := indexProblems(t, c); !strings.Contains(strings.Join(ps, "\n"), tc.want) {
				t.Errorf("problems %v, want %q", ps, tc.want)
			}
		})
	}
}

// A dataset large enough for several entries: every observation is located
// in the entry that really holds it (what the provenance graph cites).
func TestAllLocatedNamesTheHoldingEntry(t *testing.T) {
	ctx := context.Background()
	c, err := memstore.NewCase(ctx, "T", "T")
	if err != nil {
		t.Fatal(err)
	}
	byInd := map[string][]enrich.Observation{}
	for i := range 12000 {
		ip := fmt.Sprintf("81.%d.%d.1", i/250, i%250)
		byInd[ip] = []enrich.Observation{{Dataset: ds, Indicator: ip, Source: "big", SourceType: enrich.TypeMMDB}}
	}
	if _, err := observe.NewRecorder(c, "T", nil).Record(ctx, observe.Source{Dataset: ds, Name: "big", Type: enrich.TypeMMDB}, byInd); err != nil {
		t.Fatal(err)
	}
	all, err := observe.AllLocated(c)
	if err != nil || len(all) != 12000 {
		t.Fatalf("%d indicators: %v", len(all), err)
	}
	leaves, err := observe.EntryLeaves(c)
	if err != nil {
		t.Fatal(err)
	}
	entries := map[int64]map[string]bool{} // entry → the indicators it commits to
	for ind, list := range all {
		held, ok := entries[list[0].Entry]
		if !ok {
			e, err := c.Entry(uint64(list[0].Entry))
			var p observe.Payload
			if err != nil || e.Kind != observe.KindObservations || e.DecodePayload(&p) != nil || p.ObservationCount != len(leaves[uint64(list[0].Entry)]) {
				t.Fatalf("%s located in entry %d: %v", ind, list[0].Entry, err)
			}
			held = map[string]bool{}
			for _, l := range leaves[uint64(list[0].Entry)] {
				held[l.Indicator] = true
			}
			entries[list[0].Entry] = held
		}
		if !held[ind] {
			t.Fatalf("%s located in entry %d, which does not hold it", ind, list[0].Entry)
		}
	}
	if len(entries) < 3 {
		t.Errorf("12,000 observations in %d entries; the test wants several", len(entries))
	}
}
