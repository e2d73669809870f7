package ui

import (
	"net/http"
	"strings"

	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/attrib"
)

// assessRecord records the assessment as `casefile assess` does (one
// library function for both): the case is assessed as it stands now and
// the result recorded as an assessment.recorded entry by the user; the
// sources page then shows that recorded assessment. With an API token
// (POST /api/v1/assessment) the answer is the entry as JSON.
func (h *handler) assessRecord(w http.ResponseWriter, r *http.Request) {
	s := h.s
	b, err := newHeldBuilder(s.tmp)
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	unlock := s.Exclusive() // its result leaves are derived data, like a relayed 'casefile assess'
	e, err := graph.AssessRecordEach(r.Context(), s.c.Case, attrib.DefaultModel(), nil, nil, actorOf(principalOf(r)), nil, b.head, b.add)
	unlock()
	var held *heldAssessment
	if err == nil {
		held, err = b.finish()
	} else {
		b.abort()
	}
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	p, err := graph.ReadAssessment(e)
	if err != nil {
		held.retire()
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	if err := s.assess.adopt(r.Context(), held, p.TreeSize); err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	if wantsJSON(r) { // an API token
		writeJSON(w, http.StatusOK, map[string]any{"entry": e.Index, "time": e.Time.UTC(), "assessment": p})
		return
	}
	http.Redirect(w, r, "/sources#assessment-state", http.StatusSeeOther)
}

// wantsJSON reports whether a request that pages and the API share is
// answered as the API: it came to /api/ or with an API token.
func wantsJSON(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || principalOf(r).session == nil
}
