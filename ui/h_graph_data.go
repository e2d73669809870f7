package ui

import (
	"net/http"
	"sort"

	"github.com/casefile/casefile/graph"
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
}

// graphData is the provenance graph for the page.
func (h *handler) graphData(w http.ResponseWriter, r *http.Request) {
	g, err := h.s.assess.graphOf(r.Context())
	if err != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	_, byInd, _ := h.s.assess.result(r.Context())
	out := struct {
		Nodes []cyNode `json:"nodes"`
		Edges []cyEdge `json:"edges"`
	}{Nodes: make([]cyNode, 0, len(g.Nodes)), Edges: make([]cyEdge, 0, len(g.Edges))}
	for _, n := range g.Nodes {
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
	for _, e := range g.Edges {
		out.Edges = append(out.Edges, cyEdge{From: e.From, To: e.To, Kind: e.Kind, Cites: len(e.Cites)})
	}
	writeJSON(w, http.StatusOK, out)
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
	}
	if _, ok := assessed[n.Label]; ok {
		return "/sources/" + pathEscape(n.Label)
	}
	return ""
}
