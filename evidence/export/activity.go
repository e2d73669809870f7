package export

import (
	"slices"
	"strings"
	"time"
)

// Did lists what rules found the source doing ("password guessing"), in
// factor order, each once; nil when no factor rests on rule hits.
func (f *Finding) Did() []string {
	var did []string
	for _, fa := range f.Factors {
		if fa.Did != "" && !slices.Contains(did, fa.Did) {
			did = append(did, fa.Did)
		}
	}
	return did
}

// DidEvidence is what the first behaviour factor rests on (the log lines
// of what the source did); nil when there is none.
func (f *Finding) DidEvidence() []string {
	for _, fa := range f.Factors {
		if fa.Did != "" {
			return fa.Evidence
		}
	}
	return nil
}

// ActedAgainst reports whether the source acted against the organisation:
// rules caught it doing something, or its verdict (the examiner's when one
// was recorded) names someone outside.
func (f *Finding) ActedAgainst() bool {
	return slices.Contains(externalRoles, f.Role) || f.Examiner != nil && slices.Contains(externalRoles, f.Examiner.Role) ||
		slices.ContainsFunc(f.Factors, func(fa FindingFactor) bool { return fa.Did != "" })
}

// Activity is what a set of findings shows together: from the first
// event of any to the last, and how many of the sources did each thing
// rules found.
type Activity struct {
	First, Last time.Time
	Did         []DidCount // most sources first, then by name
}

// DidCount is how many sources did one thing.
type DidCount struct {
	Did     string
	Sources int
}

// ActivityOf sums up fs.
func ActivityOf(fs []Finding) Activity {
	var a Activity
	n := map[string]int{}
	for i := range fs {
		f := &fs[i]
		for _, w := range f.Did() {
			n[w]++
		}
		if f.FirstSeen != nil && (a.First.IsZero() || f.FirstSeen.Before(a.First)) {
			a.First = *f.FirstSeen
		}
		if f.LastSeen != nil && f.LastSeen.After(a.Last) {
			a.Last = *f.LastSeen
		}
	}
	for w, c := range n {
		a.Did = append(a.Did, DidCount{w, c})
	}
	slices.SortFunc(a.Did, func(x, y DidCount) int {
		if x.Sources != y.Sources {
			return y.Sources - x.Sources
		}
		return strings.Compare(x.Did, y.Did)
	})
	return a
}
