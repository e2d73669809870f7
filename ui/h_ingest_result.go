package ui

import (
	"net/http"

	"github.com/gorilla/mux"
)

// ingestResult shows what an upload of this session did.
func (h *handler) ingestResult(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	if p.session == nil {
		h.s.fail(w, r, false, http.StatusNotFound, nil)
		return
	}
	h.s.auth.mu.Lock()
	o := p.session.results[mux.Vars(r)["id"]]
	h.s.auth.mu.Unlock()
	if o == nil {
		h.s.fail(w, r, false, http.StatusNotFound, nil)
		return
	}
	h.s.render(w, r, http.StatusOK, "ingest_result", h.s.newView(r, "Ingested", "ingest", o))
}
