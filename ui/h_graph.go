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
	v := h.s.assessed(w, r, false)
	if v == nil {
		return
	}
	defer v.done()
	res := v.h
	var d graphPageData
	if !res.graphable() {
		d = graphTooLargeOf(res)
	} else {
		g, err := h.s.assess.graphOf(r.Context(), res)
		if err != nil {
			h.s.fail(w, r, false, http.StatusInternalServerError, err)
			return
		}
		d = graphPageOf(res, g, r.URL.Query())
	}
	page := h.s.newView(r, "Provenance graph", "graph", d)
	page.Assess = v.note
	h.s.render(w, r, http.StatusOK, "graph", page)
}

// graphAssessed is the assessment a graph API request rests on. When
// there is none yet, or the case's graph is not drawn, it answers the
// request (saying where each source's assessment is instead) and returns
// nil.
func (s *Server) graphAssessed(w http.ResponseWriter, r *http.Request) *assessView {
	v := s.assessed(w, r, true)
	if v == nil {
		return nil
	}
	res := v.h
	if res.graphable() {
		return v
	}
	v.done()
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"status": http.StatusUnprocessableEntity,
		"error": fmt.Sprintf("The case has %d assessed sources, too many to build the whole provenance graph (at most %d). "+
			"Each source's assessment is at /api/v1/assessment/{indicator}, its explanation on its page /sources/{indicator}; the sources are listed at /api/v1/sources.",
			len(res.rows), warmGraphSources),
		"sources": len(res.rows), "graph_limit": warmGraphSources, "assessment_state": v.state()})
	return nil
}
