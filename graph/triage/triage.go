// Package triage turns an assessment into the rows of the sources table:
// per source, where the observations place it (ASN, organisation,
// country), what it did (events by kind, successful logins, rule hits),
// and what the model and the examiner concluded. The rows are derived
// once per assessment and then filtered and sorted in memory, so that a
// case of 100,000 sources pages quickly; the filter and sort rules live
// here so that the page and the API answer alike.
package triage

import (
	"context"
	"encoding/json"
	"time"

	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/graph/attrib"
)

// KindNames are the event kinds counted per source, in column order.
var KindNames = []string{parse.KindAuth, parse.KindHTTP, parse.KindAPI, parse.KindFlow, parse.KindAlert, parse.KindDNS, parse.KindProcess, parse.KindOther}

// Kinds counts a source's events per kind, indexed like KindNames.
type Kinds [8]int64

// Get is the count of one kind (0 for an unknown kind).
func (k Kinds) Get(kind string) int64 {
	if i := kindIndex(kind); i >= 0 {
		return k[i]
	}
	return 0
}

// MarshalJSON writes the counts as an object keyed by kind, leaving out zeros.
func (k Kinds) MarshalJSON() ([]byte, error) {
	m := make(map[string]int64, len(k))
	for i, n := range k {
		if n > 0 {
			m[KindNames[i]] = n
		}
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads what MarshalJSON writes; unknown kinds count as other.
func (k *Kinds) UnmarshalJSON(b []byte) error {
	var m map[string]int64
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*k = Kinds{}
	for kind, n := range m {
		i := kindIndex(kind)
		if i < 0 {
			i = kindIndex(parse.KindOther)
		}
		k[i] += n
	}
	return nil
}

// KindCount is the events of one kind.
type KindCount struct {
	Kind string
	N    int64
}

// List is the kinds with events, in column order.
func (k Kinds) List() []KindCount {
	var out []KindCount
	for i, n := range k {
		if n > 0 {
			out = append(out, KindCount{KindNames[i], n})
		}
	}
	return out
}

func kindIndex(kind string) int {
	for i, n := range KindNames {
		if n == kind {
			return i
		}
	}
	return -1
}

// Row is one source as the sources table shows it.
type Row struct {
	Indicator string `json:"indicator"`
	Type      string `json:"type"`
	Special   string `json:"special,omitempty"`
	attrib.Profile
	FirstSeen *time.Time `json:"first_seen,omitempty"`
	LastSeen  *time.Time `json:"last_seen,omitempty"`
	Events    int64      `json:"events"`
	Kinds     Kinds      `json:"kinds"`
	// Logins counts the source's successful logins: authentication events
	// whose outcome is success.
	Logins int64 `json:"logins"`
	// RuleHits counts the source's events the Sigma rules matched (summed
	// over rules); Rules names those rules.
	RuleHits    int64    `json:"rule_hits"`
	Rules       []string `json:"rules,omitempty"`
	Did         []string `json:"did,omitempty"`
	Campaign    string   `json:"campaign,omitempty"`
	Role        string   `json:"role"`
	Probability float64  `json:"probability"`
	Words       string   `json:"words"`
	Confidence  string   `json:"confidence"`
	Risk        float64  `json:"collateral_risk"`
	// Verdict is the examiner's recorded verdict ("" when none); the
	// model's Role is never replaced by it.
	Verdict      string `json:"verdict,omitempty"`
	VerdictEntry int64  `json:"verdict_entry,omitempty"`
}

// activity is what the event pass counts for one source.
type activity struct {
	kinds  Kinds
	logins int64
}

// Activity is what each source did, counted in one pass over the events:
// its events by kind and its successful logins. It depends on the events
// alone, not on the assessment, so that a new assessment of the same
// events (after an enrichment, a verdict) reuses it instead of walking a
// million events again.
type Activity struct {
	bySource map[string]*activity
}

// CountActivity counts the activity of every source of the case's events.
// Events are attributed to sources as the assessment attributes them
// (attrib.SourcesOf), so a row's kind counts add up to its event count.
func CountActivity(ctx context.Context, c *evidence.Case) (*Activity, error) {
	act := &Activity{bySource: map[string]*activity{}}
	err := eventstore.New(c).Events(eventstore.Query{}, func(e *parse.Event) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		k := kindIndex(e.Kind)
		if k < 0 {
			k = kindIndex(parse.KindOther)
		}
		login := e.Kind == parse.KindAuth && e.Outcome == parse.OutcomeSuccess
		attrib.SourcesOf(e, func(ind, _ string) {
			a := act.bySource[ind]
			if a == nil {
				a = &activity{}
				act.bySource[ind] = a
			}
			a.kinds[k]++
			if login {
				a.logins++
			}
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return act, nil
}

// RowOf is the part of a source's row that its assessment gives: all but
// its profile and activity, which Complete adds. The workbench holds these
// parts of every source instead of the assessments themselves (a million
// sources' factors and citations are gigabytes), and completes them when
// the table is first shown.
func RowOf(s *attrib.Source) Row {
	r := Row{Indicator: s.Indicator, Type: s.Type, Special: s.Special,
		FirstSeen: s.FirstSeen, LastSeen: s.LastSeen, Events: s.Events, Did: s.Did(), Campaign: s.Campaign,
		Role: s.Role, Probability: s.Probability, Words: s.Words, Confidence: s.Confidence, Risk: s.CollateralRisk}
	seen := map[string]bool{}
	for _, f := range s.Factors {
		for _, ref := range f.Rules {
			if !seen[ref.ID] {
				seen[ref.ID] = true
				r.RuleHits += ref.Events
				r.Rules = append(r.Rules, ref.Title)
			}
		}
	}
	if x := s.Examiner; x != nil {
		r.Verdict, r.VerdictEntry = x.Role, x.Entry
	}
	return r
}

// Complete adds to rows (from RowOf) each source's profile, read from the
// case's observations, and its activity act, counted over the events the
// assessment rests on.
func Complete(c *evidence.Case, rows []Row, act *Activity) error {
	observed, err := observe.Lookup(c)
	if err != nil {
		return err
	}
	for i := range rows {
		r := &rows[i]
		obs, err := observed(r.Indicator) // per source: every observation of a large case at once is gigabytes
		if err != nil {
			return err
		}
		r.Profile = attrib.ProfileOf(obs)
		if a := act.bySource[r.Indicator]; a != nil {
			r.Kinds, r.Logins = a.kinds, a.logins
		}
	}
	return nil
}
