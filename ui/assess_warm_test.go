package ui

import (
	"net/http"
	"strings"
	"testing"
)

// TestWarmLeavesTheGraphOfALargeCase: past warmGraphSources sources the
// warming does not build the provenance graph (held
// whole, it took over 20 GB for a million enriched sources), and the
// graph pages say why and lead to the sources instead of building it.
func TestWarmLeavesTheGraphOfALargeCase(t *testing.T) {
	f := newFixture(t, "")
	defer func(n int) { warmGraphSources = n }(warmGraphSources)
	hasGraph := func() bool {
		a := f.srv.assess
		a.mu.Lock()
		held := a.held
		a.mu.Unlock()
		a.graphMu.Lock()
		defer a.graphMu.Unlock()
		return held != nil && a.graphOfRes == held // built, and for the assessment shown
	}
	res, done, err := f.srv.assess.result(f.srv.ctx)
	if err != nil || len(res.rows) == 0 {
		t.Fatalf("the fixture's assessment: %v", err)
	}
	done()
	n := len(res.rows)
	warmGraphSources = n - 1
	f.srv.warm()
	if hasGraph() {
		t.Fatalf("%d sources, over the limit: the graph was built", n)
	}
	c := f.login(t, "ann")
	if resp, body := c.get("/graph"); resp.StatusCode != http.StatusOK || hasGraph() ||
		!strings.Contains(body, "too many to build the whole provenance graph") || !strings.Contains(body, `href="/sources?role=`) ||
		strings.Contains(body, "graph.js") {
		t.Fatalf("graph page over the limit: %d, graph built %v:\n%s", resp.StatusCode, hasGraph(), body)
	}
	for _, path := range []string{"/api/v1/graph", "/graph/data.json"} {
		if resp, body := c.get(path); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "too many") {
			t.Errorf("%s over the limit: %d %s", path, resp.StatusCode, body)
		}
	}
	if hasGraph() {
		t.Error("a graph page over the limit built the graph")
	}
	f.srv.assess.invalidate()
	warmGraphSources = n
	f.srv.warm()
	if !hasGraph() {
		t.Error("within the limit the warming did not build the graph")
	}
	if resp, body := c.get("/graph"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "graph.js") {
		t.Errorf("graph page within the limit: %d", resp.StatusCode)
	}
}
