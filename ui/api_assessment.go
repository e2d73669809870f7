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
	v := h.s.assessed(w, r, true)
	if v == nil {
		return
	}
	defer v.done()
	res := v.h
	q := r.URL.Query()
	off, lim := paging(q, defaultLimit)
	key := q.Get("sort")
	if key == "" {
		key = "events"
	}
	desc := q.Get("dir") != "asc"
	var readErr error
	build := func() []byte {
		idx := h.s.assess.order(res, key, desc)
		total := len(idx)
		page := make([]attrib.Source, 0, min(lim, total))
		for _, i := range idx[min(off, total):min(off+lim, total)] {
			s, err := res.source(i)
			if err != nil {
				readErr = err
				return nil
			}
			page = append(page, *s)
		}
		var b bytes.Buffer
		json.NewEncoder(&b).Encode(v.withState(map[string]any{"model": res.head.Model, "model_digest": res.head.ModelDigest, "sources": page,
			"campaigns": res.head.Campaigns, "total": total, "offset": off, "limit": lim}))
		return b.Bytes()
	}
	// What an earlier assessment's answer says of the newer one changes
	// as it is made: only the answers of the current one are kept.
	var body []byte
	if v.note == nil {
		body = h.s.assess.page(res, fmt.Sprint(key, desc, off, lim), build)
	} else {
		body = build()
	}
	if readErr != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, readErr)
		return
	}
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
	v := h.s.assessed(w, r, true)
	if v == nil {
		return
	}
	defer v.done()
	res := v.h
	i, ok := res.byInd[ind]
	if !ok && v.note != nil && v.note.Making {
		h.s.notYet(w, r, true, v.note) // perhaps a source of the newer assessment
		return
	}
	if !ok {
		h.s.fail(w, r, true, http.StatusNotFound, nil)
		return
	}
	src, err := res.source(i)
	if err != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, v.withState(map[string]any{"model": res.head.Model, "model_digest": res.head.ModelDigest, "source": src,
		"statement": src.Statement()}))
}
