package ui

import "net/http"

// graphPage shows the provenance graph with its filters; static/graph.js
// loads the folded graph and draws it, and lists it as text.
func (h *handler) graphPage(w http.ResponseWriter, r *http.Request) {
	g, err := h.s.assess.graphOf(r.Context())
	if err != nil {
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	res, _, err := h.s.assess.result(r.Context())
	if err != nil {
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	h.s.render(w, r, http.StatusOK, "graph", h.s.newView(r, "Provenance graph", "graph", graphPageOf(res, g, r.URL.Query())))
}
