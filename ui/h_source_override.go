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
	err = s.override(r, ind, cites)
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

// override records the verdict asked for by r on the source ind. The
// model's verdict recorded beside it is read from the assessment held when
// the model's verdicts in it are those of the case as it stands
// (modelHolds); otherwise the source is assessed anew (every event read:
// minutes for 10^8).
func (s *Server) override(r *http.Request, ind string, cites []string) error {
	role, rationale, actor := r.PostFormValue("role"), r.PostFormValue("rationale"), actorOf(principalOf(r))
	v := s.assess.view(r.Context())
	defer v.done()
	holds, err := s.modelHolds(v)
	if err != nil {
		return err
	}
	if i, ok := v.h.byIndOf(ind); ok && holds {
		src, err := v.h.source(i)
		if err != nil {
			return err
		}
		_, _, err = graph.OverrideOf(r.Context(), s.c.Case, v.h.head.Model, v.h.head.ModelDigest, src, role, rationale, cites, actor)
		return err
	}
	_, _, err = graph.Override(r.Context(), s.c.Case, attrib.DefaultModel(), ind, role, rationale, cites, actor)
	return err
}

// modelHolds reports whether the model's verdicts in the assessment v shows
// are those of the case as it stands: v is of the case as it stands, or
// only examiners' verdicts came after it, which the model does not read
// (they are shown beside its own), so that verdicts set one after another
// each cost no assessment.
func (s *Server) modelHolds(v *assessView) (bool, error) {
	if v.h == nil || v.note == nil {
		return v.h != nil, nil
	}
	var since []uint64
	if err := s.marks.readAll(s.c.Case, func(m *caseMarks) {
		for _, i := range m.affecting {
			if i >= v.size {
				since = append(since, i)
			}
		}
	}); err != nil {
		return false, err
	}
	for _, i := range since {
		l, ok, err := s.cat.line(i)
		if err != nil || !ok || l.Kind != graph.KindOverride {
			return false, err
		}
	}
	return true, nil
}
