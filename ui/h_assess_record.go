package ui

import (
	"net/http"

	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/attrib"
)

// assessRecord records the assessment as `casefile assess` does (one
// library function for both): the case is assessed as it stands now and
// the result recorded as an assessment.recorded entry by the user; the
// sources page then shows that recorded assessment.
func (h *handler) assessRecord(w http.ResponseWriter, r *http.Request) {
	s := h.s
	res, e, err := graph.AssessAndRecord(r.Context(), s.c.Case, attrib.DefaultModel(), nil, nil, actorOf(principalOf(r)))
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	p, err := graph.ReadAssessment(e)
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	s.assess.adopt(res, p.TreeSize)
	http.Redirect(w, r, "/sources#assessment-state", http.StatusSeeOther)
}
