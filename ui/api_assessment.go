package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gorilla/mux"

	"github.com/casefile/casefile/graph/attrib"
)

// apiAssessment pages through the assessment (`assess --json`), in the
// table's order (?sort, ?dir).
func (h *handler) apiAssessment(w http.ResponseWriter, r *http.Request) {
	res, _, err := h.s.assess.result(r.Context())
	if err != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	q := r.URL.Query()
	off, lim := paging(q, defaultLimit)
	key := q.Get("sort")
	if key == "" {
		key = "events"
	}
	desc := q.Get("dir") != "asc"
	body := h.s.assess.page(res, fmt.Sprint(key, desc, off, lim), func() []byte {
		idx := h.s.assess.order(res, key, desc)
		total := len(idx)
		page := make([]attrib.Source, 0, lim)
		for _, i := range idx[min(off, total):min(off+lim, total)] {
			page = append(page, res.Sources[i])
		}
		var b bytes.Buffer
		json.NewEncoder(&b).Encode(map[string]any{"model": res.Model, "model_digest": res.ModelDigest, "sources": page,
			"campaigns": res.Campaigns, "total": total, "offset": off, "limit": lim})
		return b.Bytes()
	})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// apiAssessmentOne is the assessment of one source.
func (h *handler) apiAssessmentOne(w http.ResponseWriter, r *http.Request) {
	ind, err := url.PathUnescape(mux.Vars(r)["indicator"])
	if err != nil {
		h.s.fail(w, r, true, http.StatusNotFound, err)
		return
	}
	res, byInd, err := h.s.assess.result(r.Context())
	if err != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	i, ok := byInd[ind]
	if !ok {
		h.s.fail(w, r, true, http.StatusNotFound, nil)
		return
	}
	src := res.Sources[i]
	writeJSON(w, http.StatusOK, map[string]any{"model": res.Model, "model_digest": res.ModelDigest, "source": src,
		"statement": src.Statement()})
}
