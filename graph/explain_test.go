package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/attrib"
)

// TestExplain: the explanation graph of the Tor exit in the test case has
// a factor node per factor, weighs edges labelled in words and nats that
// add up, with the priors, to the stated probabilities, and every factor
// rests on what it cites (the dataset with its date, the custody entries,
// the log lines).
func TestExplain(t *testing.T) {
	c := testCase(t)
	m := attrib.DefaultModel()
	res, err := graph.Assess(context.Background(), c, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := graph.Explain(c, res, m, "185.220.101.4")
	if err != nil {
		t.Fatal(err)
	}
	if g.Version != graph.ExplanationVersion || g.Source != "185.220.101.4" {
		t.Fatalf("version %q, source %q", g.Version, g.Source)
	}
	var src *attrib.Source
	for i := range res.Sources {
		if res.Sources[i].Indicator == "185.220.101.4" {
			src = &res.Sources[i]
		}
	}
	factors, weighs := 0, map[string]float64{}
	for _, n := range g.Nodes {
		if n.Kind == graph.NodeFactor {
			factors++
		}
	}
	if factors != len(src.Factors) {
		t.Fatalf("%d factor nodes for %d factors", factors, len(src.Factors))
	}
	restsOn := map[string]bool{}
	for _, e := range g.Edges {
		if g.Node(e.From) == nil || g.Node(e.To) == nil {
			t.Errorf("dangling edge %+v", e)
		}
		switch e.Kind {
		case graph.EdgeWeighs:
			if g.Node(e.From).Kind != graph.NodeFactor || g.Node(e.To).Kind != graph.NodeHypothesis {
				t.Errorf("weighs edge %s → %s", e.From, e.To)
			}
			if !e.Shadowed {
				weighs[e.Role] += e.Nats
				if !strings.Contains(e.Label, graph.RoleShort(e.Role)) || !strings.Contains(e.Label, "nats") {
					t.Errorf("weighs edge label %q", e.Label)
				}
			}
			if g.Node(e.From).Attrs["diagnostic"] == "false" {
				t.Errorf("a factor that moves no role weighs on %s", e.Role)
			}
		case graph.EdgeRestsOn:
			restsOn[g.Node(e.To).Kind] = true
		}
	}
	// The login's factors rest on the lines of auth.log.
	g2, err := graph.Explain(c, res, m, "89.160.20.130")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range g2.Edges {
		if e.Kind == graph.EdgeRestsOn {
			restsOn[g2.Node(e.To).Kind] = true
		}
		if e.Kind == graph.EdgeLineOf && !strings.HasPrefix(g2.Node(e.From).Label, "auth.log line ") {
			t.Errorf("line node %q does not name the file and line", g2.Node(e.From).Label)
		}
	}
	for _, k := range []string{graph.NodeEntry, graph.NodeDataset, graph.NodeLine} {
		if !restsOn[k] {
			t.Errorf("no factor rests on a %s node: %v", k, restsOn)
		}
	}
	for _, n := range g.Nodes {
		if n.Kind == graph.NodeDataset && n.Attrs["dataset_date"] == "" {
			t.Errorf("dataset %s without its date", n.ID)
		}
	}
	// prior + weighs = score; the clamped softmax of the scores is the
	// stated probability, and the chosen role has the largest score.
	var scores attrib.RoleValues
	best, chosen := math.Inf(-1), ""
	for i, role := range attrib.Roles() {
		h := g.Node("hypothesis:" + role)
		if h == nil {
			t.Fatalf("no hypothesis node for %s", role)
		}
		prior, _ := strconv.ParseFloat(h.Attrs["prior_nats"], 64)
		score, _ := strconv.ParseFloat(h.Attrs["score_nats"], 64)
		if math.Abs(prior+weighs[role]-score) > 0.01 {
			t.Errorf("%s: prior %.3f + weighs %.3f ≠ score %.3f", role, prior, weighs[role], score)
		}
		scores[i] = score
		if score > best {
			best, chosen = score, role
		}
		if (h.Attrs["chosen"] == "true") != (role == src.Role) {
			t.Errorf("%s chosen=%q, the source's role is %s", role, h.Attrs["chosen"], src.Role)
		}
	}
	if chosen != src.Role {
		t.Errorf("heaviest side %s, role %s", chosen, src.Role)
	}
	p := m.Posterior(scores)
	for i := range p {
		if math.Abs(p[i]-src.Hypotheses[i]) > 0.002 {
			t.Errorf("role %d: posterior of the shown scores %.4f, stated %.4f", i, p[i], src.Hypotheses[i])
		}
	}
	// The three writers take the explanation graph too.
	var js, gml, dot bytes.Buffer
	if err := g.WriteJSON(&js); err != nil || !json.Valid(js.Bytes()) || !strings.Contains(js.String(), `"kind":"factor"`) {
		t.Fatalf("json: %v", err)
	}
	g.WriteGraphML(&gml)
	if !strings.Contains(gml.String(), `<data key="e_label">`) {
		t.Error("graphml has no edge labels")
	}
	g.WriteDOT(&dot)
	if !strings.Contains(dot.String(), "nats)") {
		t.Error("dot has no weights on its edges")
	}
}

func TestExplainUnknownSource(t *testing.T) {
	c := testCase(t)
	res, _ := graph.Assess(context.Background(), c, nil, nil)
	if _, err := graph.Explain(c, res, attrib.DefaultModel(), "8.8.8.8"); !errors.Is(err, graph.ErrNotAssessed) {
		t.Fatalf("err = %v", err)
	}
}

func TestWeightWords(t *testing.T) {
	for _, c := range []struct {
		n    float64
		want string
	}{
		{3, "strongly for relay"}, {-2.3, "strongly against relay"}, {1.2, "moderately for relay"},
		{0.5, "weakly for relay"}, {-0.1, "slightly against relay"},
	} {
		if got := graph.WeightWords(c.n, attrib.Relay); got != c.want {
			t.Errorf("WeightWords(%v) = %q, want %q", c.n, got, c.want)
		}
	}
}
