package ui

import (
	"net/http"
	"testing"
)

// TestWarmLeavesTheGraphOfALargeCase: past warmGraphSources sources the
// warming makes the sources table but not the provenance graph (held
// whole, it took over 20 GB for a million enriched sources); a graph page
// still gets it when asked for.
func TestWarmLeavesTheGraphOfALargeCase(t *testing.T) {
	f := newFixture(t, "")
	defer func(n int) { warmGraphSources = n }(warmGraphSources)
	hasGraph := func() bool {
		f.srv.assess.mu.Lock()
		defer f.srv.assess.mu.Unlock()
		return f.srv.assess.hasGraph && f.srv.assess.graphGen == f.srv.assess.gen.Load() // built, and for the current assessment
	}
	res, _, err := f.srv.assess.result(f.srv.ctx)
	if err != nil || len(res.Sources) == 0 {
		t.Fatalf("the fixture's assessment: %d sources, %v", len(res.Sources), err)
	}
	warmGraphSources = len(res.Sources) - 1
	f.srv.warm()
	f.srv.assess.table.mu.Lock()
	table := f.srv.assess.table.t != nil
	f.srv.assess.table.mu.Unlock()
	if hasGraph() || !table {
		t.Fatalf("%d sources, over the limit: graph built %v, table made %v; want no graph, a table", len(res.Sources), hasGraph(), table)
	}
	if resp, _ := f.login(t, "ann").get("/graph"); resp.StatusCode != http.StatusOK || !hasGraph() {
		t.Fatalf("graph page: %d, graph built %v", resp.StatusCode, hasGraph())
	}
	f.srv.assess.invalidate()
	warmGraphSources = len(res.Sources)
	f.srv.warm()
	if !hasGraph() {
		t.Error("within the limit the warming did not build the graph")
	}
}
