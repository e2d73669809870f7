package ui

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"

	"github.com/gorilla/mux"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence/annotate"
	"github.com/casefile/casefile/graph/attrib"
)

type roleProb struct {
	Role string
	P    float64
	Top  bool
}

type matrixCell struct {
	Sym, Class, Title string
}

type factorRow struct {
	attrib.Factor
	Cells []matrixCell
	Cites []map[string]string
	More  int64
}

type sourceDetailData struct {
	S            *attrib.Source
	Statement    string
	Hyp          []roleProb
	Roles        []string
	Factors      []factorRow
	Campaign     *attrib.Campaign
	Observations []enrich.Observation
	Model        string
	Warn         bool
	RiskWords    string
	RiskSentence string
	// Judged is false for a verdict outside the role model (internal,
	// contacted destination): no probabilities to show.
	Judged bool
	// Verdicts an examiner may record, and the error of a refused attempt.
	Verdicts      []string
	OverrideError string
	// Explanation is the explanation graph and its list (explain_view.go).
	Explanation template.HTML
	Annot       annotRef // tags, star and comments on the source
}

// sourceDetail explains one source: the sentence first, then the
// probabilities, the factor matrix, the evidence and what to do.
func (h *handler) sourceDetail(w http.ResponseWriter, r *http.Request) {
	s := h.s
	ind, err := url.PathUnescape(mux.Vars(r)["indicator"])
	if err != nil {
		s.fail(w, r, false, http.StatusNotFound, err)
		return
	}
	h.renderSourceDetail(w, r, ind, http.StatusOK, "")
}

// renderSourceDetail shows one source with the given status and, after a
// refused override, its error.
func (h *handler) renderSourceDetail(w http.ResponseWriter, r *http.Request, ind string, status int, overrideErr string) {
	s := h.s
	v := s.assessed(w, r, false)
	if v == nil {
		return
	}
	defer v.done()
	res := v.h
	i, ok := res.byInd[ind]
	if !ok && v.note != nil && v.note.Making {
		s.notYet(w, r, false, v.note) // perhaps a source of the newer assessment
		return
	}
	if !ok {
		s.fail(w, r, false, http.StatusNotFound, nil)
		return
	}
	src, err := res.source(i)
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	d := sourceDetailData{S: src, Statement: src.Statement(), Roles: attrib.Roles(),
		Model: res.head.Model + " " + res.head.ModelDigest, Warn: src.ThirdPartyRisk, RiskWords: attrib.Words(src.CollateralRisk), RiskSentence: attrib.CollateralSentence(src.CollateralRisk),
		Judged: attrib.IsRole(src.Role), Verdicts: attrib.Verdicts(), OverrideError: overrideErr}
	for _, role := range d.Roles {
		d.Hyp = append(d.Hyp, roleProb{Role: role, P: src.Hypotheses.Get(role), Top: role == src.Role})
	}
	for _, f := range src.Factors {
		row := factorRow{Factor: f}
		for _, role := range d.Roles {
			row.Cells = append(row.Cells, cellOf(f.Nats.Get(role), f.Shadowed.Get(role)))
		}
		for _, c := range f.Evidence {
			row.Cites = append(row.Cites, citeLink(c))
		}
		row.More = f.EvidenceN - int64(len(f.Evidence))
		d.Factors = append(d.Factors, row)
	}
	for i := range res.head.Campaigns {
		if res.head.Campaigns[i].ID == src.Campaign {
			d.Campaign = &res.head.Campaigns[i]
		}
	}
	d.Observations, _ = observe.Observations(s.c.Case, src.Indicator)
	d.Explanation = h.explanation(r.Context(), res.explained(src), src)
	d.Annot = s.annotOf(annotate.Target{Type: annotate.TargetSource, Ref: src.Indicator}, "/sources/"+url.PathEscape(src.Indicator)+"#annotations")
	page := s.newView(r, src.Indicator, "sources", d)
	page.Assess = v.note
	s.render(w, r, status, "source_detail", page)
}

// cellOf turns what a factor added to a role into a sign that reads in
// black and white: ++ / + / 0 / − / −−.
func cellOf(n, shadowed float64) matrixCell {
	c := matrixCell{Sym: "0", Class: "z", Title: fmt.Sprintf("%+.2f nats", n)}
	switch {
	case n >= 1:
		c.Sym, c.Class = "++", "p2"
	case n >= 0.2:
		c.Sym, c.Class = "+", "p1"
	case n <= -1:
		c.Sym, c.Class = "−−", "n2"
	case n <= -0.2:
		c.Sym, c.Class = "−", "n1"
	}
	if n == 0 && shadowed != 0 && !math.IsNaN(shadowed) {
		c.Title = fmt.Sprintf("counted under a stronger factor of the same family (would add %+.2f nats)", shadowed)
	}
	return c
}
