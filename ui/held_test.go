package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/attrib"
	"github.com/casefile/casefile/graph/triage"
)

// shownResult is the whole assessment the server shows, read back from
// its spill file.
func shownResult(t testing.TB, f *fixture) *attrib.Result {
	t.Helper()
	h, done, err := f.srv.assess.result(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	res, err := h.result()
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestHeldAssessmentAnswersAsTheWholeResult: every page that reads the
// assessment gives, through the rows and the spill file, what the whole
// result assessed directly gives: the API's pages and single sources byte
// for byte in every order, each source's page and explanation, the
// export's findings and leaves, the provenance graph and its overview.
func TestHeldAssessmentAnswersAsTheWholeResult(t *testing.T) {
	campaigns := 0
	for _, scen := range []string{"tor-bruteforce", "residential-pool"} {
		t.Run(scen, func(t *testing.T) {
			f := newFixture(t, scen)
			ctx := t.Context()
			want, err := graph.Assess(ctx, f.h.Case, attrib.DefaultModel(), nil)
			if err != nil {
				t.Fatal(err)
			}
			campaigns += len(want.Campaigns)
			held, done, err := f.srv.assess.result(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer done()
			if got := shownResult(t, f); !reflect.DeepEqual(jsonOf(t, got), jsonOf(t, want)) {
				t.Fatal("the assessment read back differs from the one assessed")
			}
			c := f.login(t, "ann")
			// The API: pages in each order, and each source alone.
			for _, key := range []string{"events", "indicator", "role", "probability", "confidence", "risk"} {
				for _, dir := range []string{"asc", "desc"} {
					idx := sourceOrder(rowsOf(want), key, dir == "desc")
					for _, off := range []int{0, 3} {
						page := []attrib.Source{}
						for _, i := range idx[min(off, len(idx)):min(off+5, len(idx))] {
							page = append(page, want.Sources[i])
						}
						var b bytes.Buffer
						json.NewEncoder(&b).Encode(map[string]any{"model": want.Model, "model_digest": want.ModelDigest, "sources": page,
							"campaigns": want.Campaigns, "total": len(idx), "offset": off, "limit": 5})
						q := fmt.Sprintf("/api/v1/assessment?sort=%s&dir=%s&offset=%d&limit=5", key, dir, off)
						if _, body := c.get(q); body != b.String() {
							t.Errorf("%s:\n got %s\nwant %s", q, body, b.String())
						}
					}
				}
			}
			h := &handler{s: f.srv}
			for i := range want.Sources {
				src := &want.Sources[i]
				rec := httptest.NewRecorder()
				writeJSON(rec, http.StatusOK, map[string]any{"model": want.Model, "model_digest": want.ModelDigest, "source": *src, "statement": src.Statement()})
				if _, body := c.get("/api/v1/assessment/" + url.PathEscape(src.Indicator)); body != rec.Body.String() {
					t.Errorf("%s: the API's source differs:\n got %s\nwant %s", src.Indicator, body, rec.Body.String())
				}
				j, ok := held.byInd[src.Indicator]
				if !ok {
					t.Fatalf("%s is not held", src.Indicator)
				}
				s, err := held.source(j)
				if err != nil {
					t.Fatal(err)
				}
				if n := len(held.explained(s).Sources); src.Campaign == "" && n != 1 {
					t.Errorf("%s, in no campaign: its explanation reads %d sources, want itself alone", src.Indicator, n)
				}
				if got, exp := h.explanation(ctx, held.explained(s), s), h.explanation(ctx, want, src); got != exp {
					t.Errorf("%s: the explanation differs", src.Indicator)
				}
				if _, body := c.get("/sources/" + url.PathEscape(src.Indicator)); !strings.Contains(body, string(h.explanation(ctx, want, src))) {
					t.Errorf("%s: the page lacks its explanation", src.Indicator)
				}
			}
			// The export's findings and leaves (recorded first, as before).
			findings, leaves, err := f.srv.recordedFindings(ctx, &principal{user: User{Name: "ann"}})
			if err != nil {
				t.Fatal(err)
			}
			wantLeaves, err := graph.Leaves(want)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(findings, graph.Findings(want)) || !reflect.DeepEqual(leaves, wantLeaves) {
				t.Error("the export's findings or leaves differ")
			}
			last, err := graph.Latest(f.h.Case)
			if root, _ := graph.RootOf(wantLeaves); err != nil || !last.Records(want, root) {
				t.Errorf("the findings' assessment is not the one recorded: %v", err)
			}
			// The graph and its overview, whose sources are the rows.
			g, err := f.srv.assess.graphNow(ctx)
			if err != nil {
				t.Fatal(err)
			}
			wantG, err := graph.Build(ctx, f.h.Case, want)
			if err != nil {
				t.Fatal(err)
			}
			if uncited(t, g) != uncited(t, wantG) {
				t.Error("the provenance graph differs")
			}
			byInd := map[string]int{}
			for i := range want.Sources {
				byInd[want.Sources[i].Indicator] = i
			}
			for _, q := range []url.Values{{}, {"role": {attrib.Relay}}, {"from": {"2020-01-01"}, "to": {"2030-01-01"}}, {"kind": {"user"}}} {
				got, err := f.srv.graphData(ctx, held, q, q.Encode())
				if err != nil {
					t.Fatal(err)
				}
				if exp := graphDataOf(g, want, byInd, q); !bytes.Equal(got, exp) {
					t.Errorf("graph data for %v differs", q)
				}
			}
		})
	}
	if campaigns == 0 {
		t.Error("no scenario had a campaign: the explanation's campaign members were not compared")
	}
}

// uncited is the graph without its citations, which graph.Build samples
// differently from one build to the next (a few of many events).
func uncited(t testing.TB, g *graph.Graph) string {
	var v struct{ Nodes, Edges []map[string]any }
	if err := json.Unmarshal([]byte(jsonOf(t, g)), &v); err != nil {
		t.Fatal(err)
	}
	for _, l := range [][]map[string]any{v.Nodes, v.Edges} {
		for _, x := range l {
			delete(x, "cites")
		}
	}
	return jsonOf(t, v)
}

func rowsOf(res *attrib.Result) []triage.Row {
	rows := make([]triage.Row, len(res.Sources))
	for i := range res.Sources {
		rows[i] = triage.RowOf(&res.Sources[i])
	}
	return rows
}

func jsonOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestHeldAssessmentSpillRemoved: the spill file of an assessment is
// removed when a new one replaces it (once no page reads it) and on Close.
func TestHeldAssessmentSpillRemoved(t *testing.T) {
	f := newFixture(t, "")
	ctx := t.Context()
	first, done, err := f.srv.assess.result(ctx)
	if err != nil {
		t.Fatal(err)
	}
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	if filepath.Dir(first.spill.path) != f.srv.tmp || !exists(first.spill.path) {
		t.Fatalf("spill file %s: not in the server's temporary directory %s, or absent", first.spill.path, f.srv.tmp)
	}
	f.srv.assess.invalidate()
	second, done2, err := f.srv.assess.result(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done2()
	if second == first || !exists(first.spill.path) {
		t.Fatal("the replaced assessment's file went while a page still read it")
	}
	if _, err := first.source(0); err != nil {
		t.Fatalf("a page reading the replaced assessment: %v", err)
	}
	done()
	if exists(first.spill.path) {
		t.Error("the replaced assessment's file stayed after its last page")
	}
	if _, err := first.spill.decode(0); err != errReplaced {
		t.Errorf("reading a removed spill file: %v, want errReplaced", err)
	}
	if !exists(second.spill.path) {
		t.Fatal("the current assessment's file is absent")
	}
	if err := f.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if exists(second.spill.path) || !second.spill.isClosed() {
		t.Error("the assessment's file stayed after Close")
	}
}
