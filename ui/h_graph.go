package ui

import "net/http"

// graphPage shows the provenance graph; static/graph.js loads its data.
func (h *handler) graphPage(w http.ResponseWriter, r *http.Request) {
	h.s.render(w, r, http.StatusOK, "graph", h.s.newView(r, "Provenance graph", "graph", nil))
}
