package ui

import (
	"net/http"

	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/parse"
)

// apiEvents searches the events: ?q= (the timeline's query language),
// offset, limit and sort (time, -time; without q or sort, the order they
// were preserved, as before). It answers the total, the histogram and the
// page of events (the lines of `events --json`), with next_offset while
// more follow.
func (h *handler) apiEvents(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	def := "stored"
	if v.Get("q") != "" {
		def = "time"
	}
	st, q := readSearch(v, def)
	if st.Bad != "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": st.Bad, "status": http.StatusBadRequest})
		return
	}
	res, err := h.s.search(r.Context(), q, eventstore.SearchOptions{Sort: st.storeSort(), Offset: st.Offset, Limit: st.Limit})
	if err != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	evs := make([]*parse.Event, 0, len(res.Hits))
	refs := make([]string, 0, len(res.Hits))
	for _, hit := range res.Hits {
		evs = append(evs, hit.Event)
		refs = append(refs, detailPath(hit.Run, hit.Seq))
	}
	out := map[string]any{"query": st.Q, "sort": st.Sort, "offset": st.Offset, "limit": st.Limit, "total": res.Total,
		"histogram": res.Histogram, "events": evs, "detail": refs}
	if int64(st.Offset+st.Limit) < res.Total {
		out["next_offset"] = st.Offset + st.Limit
	}
	writeJSON(w, http.StatusOK, out)
}

// apiSearches lists the case's saved searches.
func (h *handler) apiSearches(w http.ResponseWriter, r *http.Request) {
	all, err := eventstore.SavedSearches(h.s.c.Case)
	if err != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"searches": all})
}
