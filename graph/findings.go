package graph

import (
	"strings"
	"time"

	"github.com/casefile/casefile/evidence/export"
	"github.com/casefile/casefile/graph/attrib"
)

// Findings turns an assessment into the neutral findings the export package
// shows (report, STIX, CASE): evidence/export cannot import the model. A
// destination the victim contacted with nothing hostile seen is not a
// finding (STIX would make it an indicator), unless an examiner recorded a
// verdict on it.
func Findings(r *attrib.Result) []export.Finding {
	if r == nil {
		return nil
	}
	out := make([]export.Finding, 0, len(r.Sources))
	for i := range r.Sources {
		if f, ok := FindingOf(r, &r.Sources[i]); ok {
			out = append(out, f)
		}
	}
	return out
}

// FindingOf is the finding of one source s of the assessment head
// describes (its Sources are not read), and false when s is no finding:
// Findings one source at a time, for an assessment not held whole.
func FindingOf(head *attrib.Result, s *attrib.Source) (export.Finding, bool) {
	if s.Role == attrib.Contacted && s.Examiner == nil {
		return export.Finding{}, false // contacted by the victim, nothing hostile seen: not a finding
	}
	f := export.Finding{
		Indicator: s.Indicator, Type: s.Type, Role: s.Role, Probability: s.Probability, Words: s.Words,
		Confidence: s.Confidence, CollateralRisk: s.CollateralRisk, Recommendation: s.Recommendation,
		WouldChange: s.WouldChange, Campaign: s.Campaign, Statement: s.Statement(),
		Model: strings.TrimSpace(head.Model + " " + head.ModelDigest), Hypotheses: map[string]float64{},
		Special: s.Special, Events: s.Events, FirstSeen: s.FirstSeen, LastSeen: s.LastSeen,
	}
	for _, l := range s.Logins {
		f.Logins = append(f.Logins, export.FindingLogin{Account: l.Account, First: l.First, Count: l.Count, Evidence: l.Evidence})
	}
	f.LoginsOver = s.LoginsOver
	roles := attrib.Roles()
	if attrib.IsRole(s.Role) {
		for _, role := range roles {
			f.Hypotheses[role] = s.Hypotheses.Get(role)
		}
	} else {
		f.Hypotheses = nil // internal or contacted: not judged by the roles
	}
	if x := s.Examiner; x != nil {
		f.Examiner = &export.FindingExaminer{Role: x.Role, Rationale: x.Rationale, Cites: x.Cites, Actor: x.Actor,
			Time: x.Time.Format(time.RFC3339), Entry: x.Entry, Text: x.Text()}
	}
	for _, fa := range s.Factors {
		ff := export.FindingFactor{ID: fa.ID, Text: fa.Text, Rho: fa.Rho, Source: fa.Source,
			Evidence: fa.Evidence, Diagnostic: fa.Diagnostic, Nats: map[string]float64{}, Did: fa.Did()}
		for _, role := range roles {
			if v := fa.Nats.Get(role); v != 0 {
				ff.Nats[role] = v
			}
		}
		f.Factors = append(f.Factors, ff)
	}
	return f, true
}
