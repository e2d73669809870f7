package ui

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/casefile/casefile/graph"
)

// graphPageLimit is how many nodes a page of /api/v1/graph has unless
// ?limit asks for another number (at most maxLimit). The whole graph of
// the real-sample case is 8 MB of JSON, of a million events 270 MB: one
// answer of it per request kept 50 clients waiting seconds.
const graphPageLimit = defaultLimit

// graphPage is one page of the provenance graph.
type graphPage struct {
	Nodes      []*graph.Node `json:"nodes"`
	Edges      []*graph.Edge `json:"edges"`
	TotalNodes int           `json:"total_nodes"`
	TotalEdges int           `json:"total_edges"`
	After      string        `json:"after,omitempty"`
	Limit      int           `json:"limit"`
	// Next is the request for the next page; absent on the last.
	Next string `json:"next,omitempty"`
	// State, set when the graph is of an earlier assessment, says which
	// (assess_view.go).
	State *assessState `json:"assessment_state,omitempty"`
}

// apiGraph is the provenance graph (`graph --format json`), a page at a
// time: the nodes in the order of their ids, ?limit of them after the id
// ?after, and the edges from them (every edge is on the page of the node
// it leaves). Next names the next page, so that reading every page gives
// the whole graph, each node and edge once.
func (h *handler) apiGraph(w http.ResponseWriter, r *http.Request) {
	v := h.s.graphAssessed(w, r)
	if v == nil {
		return
	}
	defer v.done()
	g, err := h.s.assess.graphOf(r.Context(), v.h)
	if err != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	q := r.URL.Query()
	_, limit := paging(q, graphPageLimit)
	p := pageOfGraph(g, q.Get("after"), limit)
	if v.note != nil {
		st := v.note.state()
		p.State = &st
	}
	writeJSON(w, http.StatusOK, p)
}

// pageOfGraph is the page of limit nodes after the node id after ("": from
// the first), with the edges from them. g's nodes are sorted by id and its
// edges by the node they leave (graph.Build).
func pageOfGraph(g *graph.Graph, after string, limit int) graphPage {
	p := graphPage{TotalNodes: len(g.Nodes), TotalEdges: len(g.Edges), After: after, Limit: limit}
	from := 0
	if after != "" {
		from = sort.Search(len(g.Nodes), func(i int) bool { return g.Nodes[i].ID > after })
	}
	to := min(from+limit, len(g.Nodes))
	p.Nodes = g.Nodes[from:to]
	// The edges from this page's nodes: those leaving an id in (after, last].
	lo := 0
	if after != "" {
		lo = sort.Search(len(g.Edges), func(i int) bool { return g.Edges[i].From > after })
	}
	hi := len(g.Edges)
	if to < len(g.Nodes) {
		last := g.Nodes[to-1].ID
		hi = sort.Search(len(g.Edges), func(i int) bool { return g.Edges[i].From > last })
		p.Next = "/api/v1/graph?" + url.Values{"limit": {strconv.Itoa(limit)}, "after": {last}}.Encode()
	}
	p.Edges = g.Edges[lo:max(lo, hi)]
	if p.Nodes == nil {
		p.Nodes = []*graph.Node{}
	}
	return p
}
