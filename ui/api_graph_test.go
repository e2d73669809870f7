package ui

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestGraphAPIPages reads the provenance graph through /api/v1/graph page
// after page, following next: together the pages are the whole graph, each
// node and edge once, every edge on the page of the node it leaves; the
// graph page says where the whole graph is.
func TestGraphAPIPages(t *testing.T) {
	f := newFixture(t, "")
	api := apiClient(t, f, "ann")
	g, err := f.srv.assess.graphNow(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) < 20 {
		t.Fatalf("the fixture's graph has %d nodes: too few to page", len(g.Nodes))
	}
	nodes, edges := map[string]bool{}, map[string]bool{}
	next, pages := "/api/v1/graph?limit=7", 0
	for next != "" {
		resp, body := api.get(next)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", next, resp.StatusCode)
		}
		var p struct {
			Nodes      []struct{ ID string }
			Edges      []struct{ From, To, Kind string }
			TotalNodes int `json:"total_nodes"`
			TotalEdges int `json:"total_edges"`
			Limit      int
			Next       string
		}
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatal(err)
		}
		if p.TotalNodes != len(g.Nodes) || p.TotalEdges != len(g.Edges) || p.Limit != 7 || len(p.Nodes) > 7 {
			t.Fatalf("%s: totals %d/%d, limit %d, %d nodes", next, p.TotalNodes, p.TotalEdges, p.Limit, len(p.Nodes))
		}
		here := map[string]bool{}
		for _, n := range p.Nodes {
			if nodes[n.ID] {
				t.Fatalf("node %s on two pages", n.ID)
			}
			nodes[n.ID], here[n.ID] = true, true
		}
		for _, e := range p.Edges {
			k := e.From + " " + e.To + " " + e.Kind
			if edges[k] || !here[e.From] {
				t.Fatalf("edge %s on two pages, or not on the page of the node it leaves", k)
			}
			edges[k] = true
		}
		next = p.Next
		if pages++; pages > len(g.Nodes) {
			t.Fatal("the pages do not end")
		}
	}
	if len(nodes) != len(g.Nodes) || len(edges) != len(g.Edges) {
		t.Errorf("the pages hold %d nodes and %d edges, the graph %d and %d", len(nodes), len(edges), len(g.Nodes), len(g.Edges))
	}
	_, body := api.get("/api/v1/graph")
	var first struct{ Nodes []any }
	if json.Unmarshal([]byte(body), &first); len(first.Nodes) != min(graphPageLimit, len(g.Nodes)) {
		t.Errorf("a page without a limit has %d nodes, want %d", len(first.Nodes), min(graphPageLimit, len(g.Nodes)))
	}
	if _, page := f.login(t, "ann").get("/graph"); !strings.Contains(page, `href="/api/v1/graph"`) {
		t.Error("the graph page does not say where the whole graph is")
	}
}
