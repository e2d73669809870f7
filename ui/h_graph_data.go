package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/attrib"
)

// cyNode and cyEdge are the graph as the page's script reads it: small
// fields for drawing, and what the side panel says about each node.
type cyNode struct {
	ID     string              `json:"id"`
	Kind   string              `json:"kind"`
	Label  string              `json:"label"`
	Why    string              `json:"why,omitempty"`
	Attrs  map[string]string   `json:"attrs,omitempty"`
	Cites  []map[string]string `json:"cites,omitempty"`
	Weight int64               `json:"weight"`
	Group  string              `json:"group,omitempty"`
	Href   string              `json:"href,omitempty"`
}

type cyEdge struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Kind  string `json:"kind"`
	Cites int    `json:"cites"`
	Count int    `json:"count,omitempty"` // case-graph edges or events it stands for
}

// graphFilter is what the graph page's form asks for (role, kind, time,
// campaign) and which folded nodes are unfolded.
type graphFilter struct {
	Roles, Kinds, Expand []string
	From, To, Campaign   string
}

func graphFilterOf(q url.Values) graphFilter {
	return graphFilter{Roles: q["role"], Kinds: q["kind"], Expand: q["expand"], From: q.Get("from"), To: q.Get("to"), Campaign: q.Get("campaign")}
}

// options turns the form into overview options; a date that does not
// parse is left open and said so.
func (f graphFilter) options() (graph.OverviewOptions, []string) {
	o := graph.OverviewOptions{Roles: set(f.Roles), Expand: set(f.Expand), Campaign: f.Campaign}
	if len(f.Kinds) > 0 {
		o.Kinds = set(f.Kinds)
	}
	var bad []string
	day := func(s string, end bool) time.Time {
		if s == "" {
			return time.Time{}
		}
		for _, layout := range []string{"2006-01-02T15:04", "2006-01-02"} {
			if t, err := time.Parse(layout, s); err == nil {
				if end && layout == "2006-01-02" {
					t = t.Add(24*time.Hour - time.Nanosecond)
				}
				return t
			}
		}
		bad = append(bad, s)
		return time.Time{}
	}
	o.From, o.To = day(f.From, false), day(f.To, true)
	return o, bad
}

func set(list []string) map[string]bool {
	if len(list) == 0 {
		return nil
	}
	m := map[string]bool{}
	for _, s := range list {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				m[p] = true
			}
		}
	}
	return m
}

// graphData is the case graph for the page, folded on the server so that
// the first paint of a large case has a few hundred nodes at most: sources
// grouped by campaign, role and autonomous system, event groups and
// observations folded into counted edges (graph.Overview). ?expand=ID
// unfolds a group or a source.
func (h *handler) graphData(w http.ResponseWriter, r *http.Request) {
	v := h.s.graphAssessed(w, r)
	if v == nil {
		return
	}
	defer v.done()
	b, err := h.s.graphData(r.Context(), v.h, r.URL.Query(), r.URL.RawQuery)
	if err != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

// graphData is the graph page's data for the query q (raw: as sent).
func (s *Server) graphData(ctx context.Context, res *heldAssessment, q url.Values, raw string) ([]byte, error) {
	g, err := s.assess.graphOf(ctx, res)
	if err != nil {
		return nil, err
	}
	// The overview rests on the assessment alone: kept with it, so that an
	// append that changes no assessment (a view, a note) costs no new one
	// (seconds for 100,000 sources).
	return s.assess.page(res, "graph/data.json?"+raw, func() []byte { return graphDataOf(g, res.thin(nil, true), res.byInd, q) }), nil
}

// graphDataOf is the graph page's data for the filter in q, encoded.
func graphDataOf(g *graph.Graph, res *attrib.Result, byInd map[string]int, q url.Values) []byte {
	opt, bad := graphFilterOf(q).options()
	v, st := g.Overview(res, opt)
	out := struct {
		Nodes []cyNode            `json:"nodes"`
		Edges []cyEdge            `json:"edges"`
		Stats graph.OverviewStats `json:"stats"`
		Bad   []string            `json:"bad_dates,omitempty"`
	}{Nodes: make([]cyNode, 0, len(v.Nodes)), Edges: make([]cyEdge, 0, len(v.Edges)), Stats: st, Bad: bad}
	for _, n := range v.Nodes {
		c := cyNode{ID: n.ID, Kind: n.Kind, Label: n.Label, Why: n.Why, Attrs: n.Attrs, Weight: n.Weight, Group: n.Group}
		for i, ct := range n.Cites {
			if i == 20 {
				c.Cites = append(c.Cites, map[string]string{"label": "… and more", "href": ""})
				break
			}
			c.Cites = append(c.Cites, citeLink(ct))
		}
		c.Href = nodeHref(n, byInd)
		out.Nodes = append(out.Nodes, c)
	}
	sort.Slice(out.Nodes, func(i, j int) bool { return out.Nodes[i].ID < out.Nodes[j].ID })
	for _, e := range v.Edges {
		out.Edges = append(out.Edges, cyEdge{From: e.From, To: e.To, Kind: e.Kind, Cites: len(e.Cites), Count: e.Count})
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(true)
	enc.Encode(out)
	return b.Bytes()
}

// nodeHref is the page that says more about a node.
func nodeHref(n *graph.Node, assessed map[string]int) string {
	switch n.Kind {
	case graph.NodeArtefact, graph.NodeDataset:
		if h := hexOf(n.Attrs["sha256"]); isHex64(h) {
			return "/evidence/" + h
		}
		for _, c := range n.Cites {
			if l := citeLink(c); l["kind"] == "artefact" || l["kind"] == "dataset" {
				return l["href"]
			}
		}
	case graph.NodeCampaign:
		if n.Group != "" {
			return "/sources?campaign=" + url.QueryEscape(n.Group)
		}
	case graph.NodeAggregate:
		if role := n.Attrs["role"]; role != "" {
			return "/sources?role=" + url.QueryEscape(role)
		}
	}
	if _, ok := assessed[n.Label]; ok {
		return "/sources/" + pathEscape(n.Label)
	}
	return ""
}

// graphPageData fills the page's filter form: the verdicts, the kinds of
// node and the campaigns of the case, and what is chosen now.
type graphPageData struct {
	F         graphFilter
	Roles     []facet
	Kinds     []facet
	Campaigns []string
	Query     string
	// Nodes and Edges count the whole graph, which the JSON API gives
	// PageLimit nodes at a time.
	Nodes, Edges, PageLimit, MaxLimit int
	// TooLarge, for a case whose graph is not drawn, says how many sources
	// it has (Sources) against the most drawn (Limit); Roles then lead to
	// the sources table.
	TooLarge       bool
	Sources, Limit int
}

type facet struct {
	Name    string
	N       int
	Checked bool
}

func graphPageOf(res *heldAssessment, g *graph.Graph, q url.Values) graphPageData {
	d := graphPageData{F: graphFilterOf(q), Query: q.Encode(), Nodes: len(g.Nodes), Edges: len(g.Edges), PageLimit: graphPageLimit, MaxLimit: maxLimit}
	d.Roles = roleFacets(res, set(d.F.Roles))
	kinds := map[string]int{}
	for _, n := range g.Nodes {
		kinds[n.Kind]++
	}
	want := set(d.F.Kinds)
	if want == nil {
		want = graph.DefaultOverviewKinds
	}
	for _, k := range []string{graph.NodeArtefact, graph.NodeDataset, "user", "ssh-key", "domain", "user-agent", "service", "url", "email", "hash"} {
		if kinds[k] > 0 {
			d.Kinds = append(d.Kinds, facet{k, kinds[k], want[k]})
		}
	}
	for _, c := range res.head.Campaigns {
		d.Campaigns = append(d.Campaigns, c.ID)
	}
	return d
}

// graphTooLargeOf is the graph page of a case whose graph is not drawn.
func graphTooLargeOf(res *heldAssessment) graphPageData {
	d := graphPageData{TooLarge: true, Sources: len(res.rows), Limit: warmGraphSources, Roles: roleFacets(res, nil)}
	for _, c := range res.head.Campaigns {
		d.Campaigns = append(d.Campaigns, c.ID)
	}
	return d
}

// roleFacets counts the sources by verdict, in the order of the verdicts.
func roleFacets(res *heldAssessment, chosen map[string]bool) []facet {
	roles := map[string]int{}
	for i := range res.rows {
		roles[res.rows[i].Role]++
	}
	var out []facet
	for _, r := range attrib.Verdicts() {
		if roles[r] > 0 {
			out = append(out, facet{r, roles[r], chosen[r]})
		}
	}
	return out
}
