package ui

import (
	"net/http"

	"github.com/casefile/casefile/evidence"
)

// apiArtefacts lists the preserved artefacts.
func (h *handler) apiArtefacts(w http.ResponseWriter, r *http.Request) {
	arts, err := h.s.cat.listArtefacts()
	if err != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	off, lim := paging(r.URL.Query(), defaultLimit)
	total := len(arts)
	arts = arts[min(off, total):min(off+lim, total)]
	if arts == nil {
		arts = []artefactInfo{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"artefacts": arts, "total": total, "offset": off, "limit": lim})
}

// apiArtefact describes one artefact with its parse runs.
func (h *handler) apiArtefact(w http.ResponseWriter, r *http.Request) {
	a, hx, ok := h.s.artefactOf(w, r, true)
	if !ok {
		return
	}
	d, _ := evidence.ParseDigest(hx)
	runs, err := h.s.events.RunsOf(d)
	if err != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"artefact": a, "runs": runs})
}
