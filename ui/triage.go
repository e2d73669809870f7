package ui

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/casefile/casefile/graph/triage"
)

// triageTable is the sources table of one assessment: its rows and the
// row orders asked for so far. It is derived once per assessment (a pass over the
// events and the observations) and then only read, so paging, filtering
// and sorting a case of 100,000 sources stays cheap.
type triageTable struct {
	res    *heldAssessment
	size   uint64       // the log size res rests on
	rows   []triage.Row // res's rows, completed (triage.Complete)
	byInd  map[string]int
	mu     sync.Mutex
	orders map[orderKey][]int
	// countryList is every country of the rows, sorted (nil: not yet listed).
	countryList []string
}

// tableCache holds the activity of the sources the tables' rows count,
// kept while the parsed events are the same (a new assessment after an
// enrichment or a verdict reuses it).
type tableCache struct {
	mu     sync.Mutex // held while the activity is counted, so it is counted once
	act    *triage.Activity
	actKey string // the current parse runs act was counted over
}

// tableOf derives the sources table of h, assessed over the first size
// entries, before h is shown (the table is part of making an assessment:
// on a case of a million sources it takes minutes, which no page waits
// for).
func (s *Server) tableOf(ctx context.Context, h *heldAssessment, size uint64) (*triageTable, error) {
	tc := &s.assess.table
	tc.mu.Lock()
	defer tc.mu.Unlock()
	act, err := s.activity(ctx, tc)
	if err != nil {
		return nil, err
	}
	// The rows are completed in place, once, before h is shown: other
	// pages read only what the assessment gave them.
	rows := h.rows
	if err := triage.Complete(s.c.Case, rows, act); err != nil {
		return nil, err
	}
	t := &triageTable{res: h, size: size, rows: rows, byInd: make(map[string]int, len(rows))}
	for i := range rows {
		t.byInd[rows[i].Indicator] = i
	}
	return t, nil
}

// activity is the activity of the sources of the current events, counted
// anew only when the parse runs whose events count have changed. tc.mu is
// held.
func (s *Server) activity(ctx context.Context, tc *tableCache) (*triage.Activity, error) {
	key, err := s.runsKey()
	if err != nil {
		return nil, err
	}
	if tc.act != nil && tc.actKey == key {
		return tc.act, nil
	}
	act, err := triage.CountActivity(ctx, s.c.Case)
	if err != nil {
		return nil, err
	}
	tc.act, tc.actKey = act, key
	return act, nil
}

// runsKey names the current parse runs: what the sources' activity and the
// indicators are counted over, which an enrichment or a verdict leaves as
// they are.
func (s *Server) runsKey() (string, error) {
	runs, err := s.events.Current()
	if err != nil {
		return "", err
	}
	var key strings.Builder
	for _, r := range runs {
		key.WriteString(r.ID + " " + r.Digest + "\n")
	}
	return key.String(), nil
}

// order is the rows sorted by key, computed once per table and key.
func (t *triageTable) order(key string, desc bool) []int {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := orderKey{key, desc}
	if o, ok := t.orders[k]; ok {
		return o
	}
	if t.orders == nil {
		t.orders = map[orderKey][]int{}
	}
	o := triage.Order(t.rows, key, desc)
	t.orders[k] = o
	return o
}

// tablePage is one page of the filtered, sorted table.
type tablePage struct {
	Rows  []*triage.Row
	Total int
}

// page selects the rows f passes, in the order of key, from offset.
func (t *triageTable) page(f triage.Filter, key string, desc bool, offset, limit int) tablePage {
	var p tablePage
	for _, i := range t.order(key, desc) {
		r := &t.rows[i]
		if !f.Match(r) {
			continue
		}
		if p.Total >= offset && len(p.Rows) < limit {
			p.Rows = append(p.Rows, r)
		}
		p.Total++
	}
	return p
}

// recordState says whether the assessment shown is the one last recorded.
type recordState struct {
	Recorded bool          // the shown assessment is recorded by Last
	Last     *recordedMark // the latest assessment.recorded entry; nil: none yet
}

// recordState compares the table's assessment with the latest recorded
// one: it is the recorded one when that was made with the same model and
// rules, over all sources, and no entry that can change an assessment lies
// between the log sizes the two rest on. (Comparing result roots would say
// the same at the cost of encoding every source: 0.4 s for 2,000.)
func (s *Server) recordState(t *triageTable) (recordState, error) {
	var st recordState
	err := s.marks.readAll(s.c.Case, func(m *caseMarks) {
		last := m.last
		st.Last = last
		st.Recorded = last != nil && last.Payload.ModelDigest == t.res.head.ModelDigest && last.Payload.RulesDigest == t.res.head.RulesDigest &&
			len(last.Payload.Only) == 0 && last.Payload.ResultRoot != "" && !m.changedBetween(last.Payload.TreeSize, t.size)
	})
	return st, err
}

// countries are the countries of the table's rows, sorted, for the filter.
func (t *triageTable) countries() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.countryList == nil {
		seen := map[string]bool{}
		t.countryList = []string{}
		for i := range t.rows {
			if c := t.rows[i].Country; c != "" && !seen[c] {
				seen[c] = true
				t.countryList = append(t.countryList, c)
			}
		}
		slices.Sort(t.countryList)
	}
	return t.countryList
}
