package ui

import (
	"fmt"
	"net/http"
)

// graphPage shows the provenance graph with its filters; static/graph.js
// loads the folded graph and draws it, and lists it as text. A case of
// more sources than the graph is drawn for (heldAssessment.graphable) is
// told so, and led to its sources, each with its own explanation graph.
func (h *handler) graphPage(w http.ResponseWriter, r *http.Request) {
	res, done, err := h.s.assess.result(r.Context())
	if err != nil {
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	defer done()
	if !res.graphable() {
		h.s.render(w, r, http.StatusOK, "graph", h.s.newView(r, "Provenance graph", "graph", graphTooLargeOf(res)))
		return
	}
	g, err := h.s.assess.graphOf(r.Context())
	if err != nil {
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	h.s.render(w, r, http.StatusOK, "graph", h.s.newView(r, "Provenance graph", "graph", graphPageOf(res, g, r.URL.Query())))
}

// graphTooLarge answers a graph API request on a case whose graph is not
// drawn, saying where each source's assessment is instead; true when it
// did.
func (s *Server) graphTooLarge(w http.ResponseWriter, r *http.Request) bool {
	res, done, err := s.assess.result(r.Context())
	if err != nil {
		s.fail(w, r, true, http.StatusInternalServerError, err)
		return true
	}
	done()
	if res.graphable() {
		return false
	}
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"status": http.StatusUnprocessableEntity,
		"error": fmt.Sprintf("The case has %d assessed sources, too many to build the whole provenance graph (at most %d). "+
			"Each source's assessment is at /api/v1/assessment/{indicator}, its explanation on its page /sources/{indicator}; the sources are listed at /api/v1/sources.",
			len(res.rows), warmGraphSources),
		"sources": len(res.rows), "graph_limit": warmGraphSources})
	return true
}
