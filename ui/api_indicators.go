package ui

import (
	"net/http"

	"github.com/casefile/casefile/evidence/eventstore"
)

// apiIndicators pages through the indicators, most frequent first.
func (h *handler) apiIndicators(w http.ResponseWriter, r *http.Request) {
	inds, err := h.s.assess.indicators()
	if err != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	off, lim := paging(r.URL.Query(), defaultLimit)
	total := len(inds)
	page := inds[min(off, total):min(off+lim, total)]
	if page == nil {
		page = []*eventstore.Summary{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"indicators": page, "total": total, "offset": off, "limit": lim})
}
