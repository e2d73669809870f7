package ui

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/casefile/casefile/evidence/annotate"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/parse"
)

const maxMalformedShown = 200

type runView struct {
	*eventstore.Run
	Current bool
	Bad     []parse.Malformed
}

type evidenceDetailData struct {
	A       *artefactInfo
	Runs    []runView
	Custody []entryLine // the first maxCustodyShown entries naming the artefact
	// CustodyTotal is how many entries name it: an artefact read often
	// (every view is an entry) has tens of thousands, which belong on the
	// custody log's pages, not on this one.
	CustodyTotal int
	Binary       bool
	Annot        annotRef // tags, star and comments on the artefact
}

// maxCustodyShown bounds the custody history on an artefact's page; the
// rest is a link to the custody log filtered by the artefact.
const maxCustodyShown = 100

// evidenceDetail shows one artefact: what it is, its custody history, how
// it was parsed and which lines could not be read.
func (h *handler) evidenceDetail(w http.ResponseWriter, r *http.Request) {
	s := h.s
	a, hx, ok := s.artefactOf(w, r, false)
	if !ok {
		return
	}
	d := evidenceDetailData{A: a}
	var err error
	d.Custody, d.CustodyTotal, err = s.cat.query(logFilter{Artefact: hx, Limit: maxCustodyShown})
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	dg, _ := parseDigest(hx)
	runs, err := s.events.RunsOf(dg)
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	cur, _ := s.events.Current()
	current := map[string]bool{}
	for _, c := range cur {
		current[c.ID] = true
	}
	for i := len(runs) - 1; i >= 0; i-- {
		rv := runView{Run: runs[i], Current: current[runs[i].ID]}
		if rv.Run.Malformed > 0 {
			s.events.Malformed(runs[i], func(m parse.Malformed) error {
				if len(rv.Bad) < maxMalformedShown {
					rv.Bad = append(rv.Bad, m)
				}
				return nil
			})
		}
		d.Runs = append(d.Runs, rv)
	}
	d.Annot = s.annotOf(annotate.Target{Type: annotate.TargetArtefact, Ref: "sha256:" + hx}, "/evidence/"+hx+"#annotations")
	s.render(w, r, http.StatusOK, "evidence_detail", s.newView(r, "Artefact "+shortHash(hx), "evidence", d))
}

// shaVar reads the {sha} route variable: 64 hex digits, optionally prefixed.
func shaVar(r *http.Request) (string, bool) {
	v := strings.ToLower(strings.TrimPrefix(mux.Vars(r)["sha"], "sha256:"))
	return v, isHex64(v)
}

// artefactOf finds the artefact the {sha} route variable names; when there
// is none it answers 404 and reports false.
func (s *Server) artefactOf(w http.ResponseWriter, r *http.Request, api bool) (*artefactInfo, string, bool) {
	hx, ok := shaVar(r)
	if !ok {
		s.fail(w, r, api, http.StatusNotFound, nil)
		return nil, "", false
	}
	a, err := s.cat.artefact(hx)
	if err != nil || a == nil {
		s.fail(w, r, api, http.StatusNotFound, err)
		return nil, "", false
	}
	return a, hx, true
}

func hexOf(s string) string { return strings.TrimPrefix(s, "sha256:") }
