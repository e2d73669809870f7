package ui

import (
	"net/http"

	"github.com/casefile/casefile/evidence/parse"
)

// apiEvents pages through parsed events (the lines of `events --json`).
func (h *handler) apiEvents(w http.ResponseWriter, r *http.Request) {
	f, q := readEventFilter(r.URL.Query())
	if f.Bad != "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": f.Bad, "status": http.StatusBadRequest})
		return
	}
	evs, err := h.s.queryEvents(r.Context(), q)
	if err != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	if evs == nil {
		evs = []*parse.Event{}
	}
	out := map[string]any{"offset": f.Offset, "limit": f.Limit}
	if len(evs) > f.Limit {
		evs = evs[:f.Limit]
		out["next_offset"] = f.Offset + f.Limit
	}
	out["events"] = evs
	writeJSON(w, http.StatusOK, out)
}
