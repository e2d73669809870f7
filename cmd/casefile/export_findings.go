package main

import (
	"bytes"
	"strings"

	"github.com/casefile/casefile/evidence/export"
	"github.com/casefile/casefile/graph/attrib"
)

// findingsFromAssessment turns an attribution assessment into the neutral
// findings the export package shows (report, STIX, CASE).
func findingsFromAssessment(r *attrib.Result) []export.Finding {
	if r == nil {
		return nil
	}
	roles := attrib.Roles()
	out := make([]export.Finding, 0, len(r.Sources))
	for _, s := range r.Sources {
		f := export.Finding{
			Indicator: s.Indicator, Type: s.Type, Role: s.Role, Probability: s.Probability, Words: s.Words,
			Confidence: s.Confidence, CollateralRisk: s.CollateralRisk, Recommendation: s.Recommendation,
			WouldChange: s.WouldChange, Campaign: s.Campaign, Statement: statementOf(r, s),
			Model: strings.TrimSpace(r.Model + " " + r.ModelDigest), Hypotheses: map[string]float64{},
		}
		for _, role := range roles {
			f.Hypotheses[role] = s.Hypotheses.Get(role)
		}
		for _, fa := range s.Factors {
			ff := export.FindingFactor{ID: fa.ID, Text: fa.Text, Rho: fa.Rho, Source: fa.Source,
				Evidence: fa.Evidence, Diagnostic: fa.Diagnostic, Nats: map[string]float64{}}
			for _, role := range roles {
				if v := fa.Nats.Get(role); v != 0 {
					ff.Nats[role] = v
				}
			}
			f.Factors = append(f.Factors, ff)
		}
		out = append(out, f)
	}
	return out
}

// statementOf is the one-paragraph judgement attrib writes for s: the
// first paragraph of Result.Text for a result holding only s.
func statementOf(r *attrib.Result, s attrib.Source) string {
	var b bytes.Buffer
	one := attrib.Result{Model: r.Model, ModelDigest: r.ModelDigest, Sources: []attrib.Source{s}}
	if one.Text(&b) != nil {
		return ""
	}
	// Header line, blank line, then the statement.
	lines := strings.Split(b.String(), "\n")
	if len(lines) < 3 {
		return ""
	}
	return lines[2]
}
