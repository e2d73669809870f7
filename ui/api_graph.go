package ui

import (
	"net/http"
)

// apiGraph is the provenance graph (`graph --format json`).
func (h *handler) apiGraph(w http.ResponseWriter, r *http.Request) {
	g, err := h.s.assess.graphOf(r.Context())
	if err != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := g.WriteJSON(w); err != nil {
		h.s.log.Error("writing the graph", "err", err)
	}
}
