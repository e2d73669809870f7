package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/attrib"
)

// maxOverrideCites bounds the citations one override form may carry.
const maxOverrideCites = 50

// sourceOverride records the examiner's own verdict on a source (an
// assessment.overridden custody entry) and shows the source again, the
// model's verdict and the examiner's side by side.
func (h *handler) sourceOverride(w http.ResponseWriter, r *http.Request) {
	s := h.s
	ind, err := url.PathUnescape(mux.Vars(r)["indicator"])
	if err != nil {
		s.fail(w, r, false, http.StatusNotFound, err)
		return
	}
	var cites []string
	for _, c := range strings.Split(r.PostFormValue("cites"), "\n") {
		if c = strings.TrimSpace(c); c != "" {
			cites = append(cites, c)
		}
	}
	if len(cites) > maxOverrideCites {
		h.renderSourceDetail(w, r, ind, http.StatusBadRequest, "at most 50 citations")
		return
	}
	_, _, err = graph.Override(r.Context(), s.c.Case, attrib.DefaultModel(), ind, r.PostFormValue("role"),
		r.PostFormValue("rationale"), cites, actorOf(principalOf(r)))
	if errors.Is(err, graph.ErrOverride) {
		// The source is shown with the error (a source the assessment
		// shown does not hold is not found).
		h.renderSourceDetail(w, r, ind, http.StatusBadRequest, err.Error())
		return
	}
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	s.assess.invalidate()
	http.Redirect(w, r, "/sources/"+url.PathEscape(ind)+"#examiner", http.StatusSeeOther)
}
