package ui

import (
	"net/http"

	"github.com/gorilla/mux"
)

// exportResult shows a package built by this server and its download link.
func (h *handler) exportResult(w http.ResponseWriter, r *http.Request) {
	f := h.s.exports.get(mux.Vars(r)["id"])
	if f == nil {
		h.s.fail(w, r, false, http.StatusNotFound, nil)
		return
	}
	h.s.render(w, r, http.StatusOK, "export_result", h.s.newView(r, "Export package", "export", f))
}
