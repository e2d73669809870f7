package ui

import (
	"net/http"
	"strings"

	"github.com/casefile/casefile/evidence"
)

// apiLog pages through the custody log (the lines of `log --json`, oldest
// first unless ?order=newest).
func (h *handler) apiLog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := logFilter{Kind: q.Get("kind"), Actor: q.Get("actor"), Text: q.Get("q"), Newest: q.Get("order") == "newest"}
	if a := strings.TrimPrefix(strings.ToLower(q.Get("artefact")), "sha256:"); isHex64(a) {
		f.Artefact = a
	}
	f.Offset, f.Limit = paging(q, defaultLimit)
	rows, total, err := h.s.cat.query(f)
	if err != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	out := make([]evidence.LogLine, 0, len(rows))
	for _, l := range rows {
		e, err := h.s.c.Entry(l.Index)
		if err != nil {
			h.s.fail(w, r, true, http.StatusInternalServerError, err)
			return
		}
		line := evidence.NewLogLine(e, l.Summary)
		line.Artefact = l.Artefact
		out = append(out, line)
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": out, "total": total, "offset": f.Offset, "limit": f.Limit})
}
