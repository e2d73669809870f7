package ui

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/casefile/casefile/evidence"
)

// logLine is one entry as `log --json` writes it, with the artefact it
// concerns.
type logLine struct {
	Index    uint64          `json:"index"`
	Time     string          `json:"time"`
	Kind     string          `json:"kind"`
	Actor    string          `json:"actor"`
	Prev     string          `json:"prev"`
	Hash     string          `json:"hash"`
	Payload  json.RawMessage `json:"payload"`
	Summary  string          `json:"summary"`
	Artefact string          `json:"artefact,omitempty"`
}

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
	out := make([]logLine, 0, len(rows))
	for _, l := range rows {
		e, err := h.s.c.Entry(l.Index)
		if err != nil {
			h.s.fail(w, r, true, http.StatusInternalServerError, err)
			return
		}
		out = append(out, logLine{l.Index, e.Time.Format(evidence.TimeFormat), e.Kind, e.Actor, e.Prev, l.Hash, e.Payload, l.Summary, l.Artefact})
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": out, "total": total, "offset": f.Offset, "limit": f.Limit})
}
