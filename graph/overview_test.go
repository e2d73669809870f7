package graph_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/casefile/casefile/graph"
)

// TestOverview: sources of a role with more than PerRole members fold into
// one node naming their count; the events behind a folded source become a
// counted seen-in edge to the artefact; unfolding the group draws the
// sources, unfolding a source its events and hypothesis; a role filter
// keeps only that role.
func TestOverview(t *testing.T) {
	c := testCase(t)
	ctx := context.Background()
	res, err := graph.Assess(ctx, c, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := graph.Build(ctx, c, res)
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]int{}
	events := int64(0)
	for _, s := range res.Sources {
		roles[s.Role]++
		events += s.Events
	}
	v, st := g.Overview(res, graph.OverviewOptions{PerRole: 1})
	if st.Sources != len(res.Sources) || st.Nodes != len(g.Nodes) {
		t.Fatalf("stats %+v", st)
	}
	var agg *graph.Node
	for _, n := range v.Nodes {
		if n.Kind == graph.NodeAggregate {
			agg = n
		}
		if n.Kind == "events" || n.Kind == "observation" || n.Kind == "hypothesis" {
			t.Errorf("folded overview draws %s", n.ID)
		}
	}
	multi := ""
	for r, n := range roles {
		if n > 1 {
			multi = r
		}
	}
	if multi == "" {
		t.Fatal("the test case has no role with two sources")
	}
	if agg == nil || agg.Attrs["role"] != multi {
		t.Fatalf("no group of the %d %s sources: %+v", roles[multi], multi, agg)
	}
	seen := 0
	for _, e := range v.Edges {
		if v.Node(e.From) == nil || v.Node(e.To) == nil {
			t.Errorf("dangling edge %+v", e)
		}
		if e.Kind == graph.EdgeSeenIn {
			seen += e.Count
		}
	}
	if int64(seen) != events {
		t.Errorf("seen-in edges count %d events, the sources have %d", seen, events)
	}
	u, ust := g.Overview(res, graph.OverviewOptions{PerRole: 1, Expand: map[string]bool{agg.ID: true}})
	if ust.Individual != len(res.Sources) || u.Node(agg.ID) != nil {
		t.Errorf("unfolded %s: %d of %d sources drawn", agg.ID, ust.Individual, len(res.Sources))
	}
	// A member named in Expand is drawn by itself, out of its group.
	var member string
	for _, s := range res.Sources {
		if s.Role == multi {
			member = s.Type + ":" + s.Indicator
			break
		}
	}
	m, _ := g.Overview(res, graph.OverviewOptions{PerRole: 1, Expand: map[string]bool{member: true}})
	if m.Node(member) == nil || m.Node(agg.ID) == nil || m.Node(agg.ID).Attrs["members"] != strconv.Itoa(roles[multi]-1) {
		t.Errorf("searching %s: drawn %v, group %+v", member, m.Node(member) != nil, m.Node(agg.ID))
	}
	src := "ip:185.220.101.4"
	x, _ := g.Overview(res, graph.OverviewOptions{Expand: map[string]bool{src: true}})
	if x.Node("hypothesis:185.220.101.4") == nil {
		t.Errorf("unfolding %s does not draw its hypothesis", src)
	}
	f, fst := g.Overview(res, graph.OverviewOptions{Roles: map[string]bool{multi: true}})
	if fst.Matched != roles[multi] {
		t.Errorf("role filter kept %d, want %d", fst.Matched, roles[multi])
	}
	for _, n := range f.Nodes {
		if r := n.Attrs["role"]; r != "" && r != multi {
			t.Errorf("role filter %s draws %s (%s)", multi, n.ID, r)
		}
	}
}
