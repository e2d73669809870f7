package attrib

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/graph/sigma"
)

// ErrUnknownIndicator is returned (wrapped) when Assess is asked about an
// indicator that no event or observation mentions.
var ErrUnknownIndicator = errors.New("indicator not seen in the case")

// Input is what an assessment rests on.
type Input struct {
	// Events from the case's logs. Stream, when set, is read once after
	// Events, so callers need not hold every event in memory.
	Events []parse.Event
	Stream iter.Seq[parse.Event]
	// Observations by indicator, as the enrichers recorded them.
	Observations map[string][]enrich.Observation
	// EachObserved and ObservationsOf, when both are set, replace
	// Observations for a case too large to hold them: EachObserved gives
	// every indicator's observations once, in byte order of the indicators,
	// and ObservationsOf one indicator's again when it is judged. The
	// slice EachObserved gives is valid only during the call.
	// Sources are judged on several processors at once: ObservationsOf,
	// EntryOf and ObservedIn may be called concurrently.
	EachObserved   func(fn func(indicator string, obs []enrich.Observation) error) error
	ObservationsOf func(indicator string) ([]enrich.Observation, error)
	// Datasets consulted, including those that matched nothing (a Tor list
	// without the address is still a Tor list covering that date).
	// Datasets seen in Observations are added automatically.
	Datasets []Dataset
	// VantageProxy marks artefacts ("sha256:…") whose log was recorded
	// behind a proxy or CDN without a trusted X-Forwarded-For: their remote
	// addresses are the proxy's, not the client's (factor 23).
	VantageProxy map[string]bool
	// EntryOf, when set, maps an artefact or dataset digest to the index of
	// the custody entry that preserved it; evidence then cites "entry:N" too.
	EntryOf func(digest string) (int64, bool)
	// ObservedIn, when set, gives the index of the custody entry that
	// recorded what a dataset said about an indicator; evidence from an
	// observation then cites that entry too.
	ObservedIn func(indicator, dataset string) (int64, bool)
	// Sources, when set, replaces the rule naming the remote parties of an
	// event (see SourcesOf): call emit once per indicator.
	Sources func(e *parse.Event, emit func(indicator, typ string))
	// Rules are the Sigma rules whose hits become behaviour factors
	// (behaviour.go); nil means the built-in set, sigma.Builtin().
	Rules *sigma.Engine
	// ShardSources is the number of sources of one shard: an assessment
	// of every source of more than half that many shards its per-source
	// work (shard.go), reading the events once more to count the sources
	// and write each event to its sources' temporary files, which each
	// shard then folds, so that memory stays bounded. 0 means
	// DefaultShardSources, a negative number never.
	// Stream must then give the same events each time it is read.
	// graph.Assess takes it from CASEFILE_ASSESS_SHARD_SOURCES when set
	// (to measure, or to assess in less memory still).
	ShardSources int
	// TempDir is where a sharded assessment writes its events and its
	// shards' results ("": the system's temporary directory); they are
	// removed after.
	TempDir string
}

// Dataset is one dataset consulted for enrichment.
type Dataset struct {
	Source     string    `json:"source"`
	SourceType string    `json:"source_type"`
	Digest     string    `json:"dataset"`
	Date       time.Time `json:"dataset_date"`
}

// Result is the assessment of a case, in the shape of `assess --json`.
type Result struct {
	Model       string `json:"model"`
	ModelDigest string `json:"model_digest"`
	// Rules names the Sigma rule set and RulesDigest its digest.
	Rules       string     `json:"rules"`
	RulesDigest string     `json:"rules_digest"`
	Sources     []Source   `json:"sources"`
	Campaigns   []Campaign `json:"campaigns,omitempty"`
	// NotEvaluated names the aggregate rules that matched events they could
	// not evaluate, their by-fields having sigma.MaxGroups groups already:
	// what those rules would have found there is missing from the factors.
	NotEvaluated []RuleEvents `json:"not_evaluated,omitempty"`
}

// RuleEvents is a Sigma rule and a number of the events it matched.
type RuleEvents struct {
	Rule   string `json:"rule"`
	Events int64  `json:"events"`
}

// Source is the assessment of one source indicator.
type Source struct {
	Indicator      string     `json:"indicator"`
	Type           string     `json:"type"`
	Role           string     `json:"role"`
	Probability    float64    `json:"probability"`
	Words          string     `json:"words"`
	Confidence     string     `json:"confidence"`
	CollateralRisk float64    `json:"collateral_risk"`
	Hypotheses     RoleValues `json:"hypotheses"`
	Factors        []Factor   `json:"factors"`
	Recommendation string     `json:"recommendation"`
	WouldChange    []string   `json:"would_change"`
	Campaign       string     `json:"campaign,omitempty"`
	Special        string     `json:"special,omitempty"` // special-purpose range, e.g. "private"
	Events         int64      `json:"events"`
	FirstSeen      *time.Time `json:"first_seen,omitempty"`
	LastSeen       *time.Time `json:"last_seen,omitempty"`
	// Logins are the accounts it signed into (at most maxLogins; LoginsOver
	// says there were more): what a reader asks first after an intrusion.
	Logins     []Login `json:"logins,omitempty"`
	LoginsOver bool    `json:"logins_over,omitempty"`
	// Refused is true when the logs cannot see the real client (factor 23).
	Refused bool `json:"refused,omitempty"`
	// ThirdPartyRisk is true when CollateralRisk exceeds the model's
	// threshold and the top role is not undetermined.
	ThirdPartyRisk bool `json:"third_party_risk"`
	// Because names the factor that moved the top role most.
	Because string `json:"because,omitempty"`
	// Examiner is the examiner's own verdict, when one was recorded
	// (assessment.overridden). It is shown beside the model's verdict and
	// never replaces it: Role and Hypotheses stay the model's.
	Examiner *Examiner `json:"examiner,omitempty"`
}

// Examiner is an examiner's recorded verdict on a source.
type Examiner struct {
	Role      string    `json:"role"`
	Rationale string    `json:"rationale"`
	Cites     []string  `json:"cites,omitempty"`
	Actor     string    `json:"actor"`
	Time      time.Time `json:"time"`
	Entry     int64     `json:"entry"`      // the assessment.overridden custody entry
	ModelRole string    `json:"model_role"` // the model's verdict when the examiner recorded theirs
}

// Text is the examiner's verdict as a sentence for reports.
func (x *Examiner) Text() string {
	t := fmt.Sprintf("Examiner's verdict: %s, by %s on %s (custody entry #%d): %s", x.Role, x.Actor, x.Time.Format("2006-01-02 15:04 UTC"), x.Entry, x.Rationale)
	if len(x.Cites) > 0 {
		t += " (citing " + strings.Join(x.Cites, ", ") + ")"
	}
	return t + ". The model's verdict above is shown unchanged."
}

// Factor is one factor's part in an assessment.
type Factor struct {
	ID   string `json:"id"`
	N    int    `json:"n"` // row of the factor table
	Text string `json:"text"`
	// Nats is what the factor added to each role's score (ln λeff, clipped),
	// only for the roles where it was its family's strongest member.
	Nats RoleValues `json:"nats"`
	// Shadowed is what it would have added where a stronger member of its
	// family counted instead.
	Shadowed   RoleValues `json:"shadowed,omitzero"`
	Rho        float64    `json:"rho"`
	Staleness  float64    `json:"staleness,omitempty"` // 2^(−Δt/half-life), when the data is dated
	RhoWhy     string     `json:"rho_why"`
	Source     string     `json:"source"`
	Evidence   []string   `json:"evidence"`
	EvidenceN  int64      `json:"evidence_total"` // items supporting it; Evidence lists the first few
	Diagnostic bool       `json:"diagnostic"`
	Family     string     `json:"family"`
	// Rules names the Sigma rules behind a behaviour factor.
	Rules []RuleRef `json:"rules,omitempty"`
}

// RoleValues holds one number per role, indexed like Roles(). It encodes as
// a JSON object keyed by role name in role order, leaving out zeros.
type RoleValues [nRoles]float64

// Get returns the value for a role name (0 for an unknown name).
func (v RoleValues) Get(role string) float64 {
	for i, n := range roleNames {
		if n == role {
			return v[i]
		}
	}
	return 0
}

// MarshalJSON implements json.Marshaler.
func (v RoleValues) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	for i, x := range v {
		if x == 0 {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(strconv.Quote(roleNames[i]))
		b.WriteByte(':')
		b.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON implements json.Unmarshaler; unknown roles are an error.
func (v *RoleValues) UnmarshalJSON(b []byte) error {
	var m map[string]float64
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*v = RoleValues{}
	for k, x := range m {
		i := slices.Index(roleNames[:], k)
		if i < 0 {
			return fmt.Errorf("attrib: unknown role %q", k)
		}
		v[i] = x
	}
	return nil
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

// Assess judges every source indicator of the case, or only those named.
// Cross-source factors (rotating pools, impossible travel, campaigns) are
// always computed over all sources. Memory grows with the number of sources
// and of identity uses, not with the number of events: events are folded
// into per-source aggregates in one pass, keeping at most a few citations
// per source and factor. A nil model means DefaultModel().
//
// Assess holds every source's assessment at once; Prepare and
// Pending.Each give them one at a time, for a case too large for that.
func Assess(m *Model, in Input, only []string) (*Result, error) {
	p, err := Prepare(m, in, only)
	if err != nil {
		return nil, err
	}
	return Collect(p.Head(), p.Len(), p.Each)
}

// Collect holds a whole result: head and the n sources each gives, the
// texts they repeat kept once (sharedStrings).
func Collect(head *Result, n int, each func(fn func(s *Source) error) error) (*Result, error) {
	head.Sources = make([]Source, 0, n)
	var st sharedStrings
	err := each(func(s *Source) error {
		st.source(s)
		head.Sources = append(head.Sources, *s)
		return nil
	})
	return head, err
}

// Pending is an assessment whose events have all been read and whose
// cross-source factors are known, but whose sources are not yet judged:
// Each judges them one at a time, in the order of Result.Sources.
type Pending struct {
	r           *resolved
	in          *Input
	head        Result
	aggs        []*agg
	obs         observed
	observedSrc []bool       // by source: something was observed about it
	cross       []crossFacts // by source: what cross-source factors compare
	keys        []string
	cr          crossResult
	cov         *coverage
	hostileName map[string]bool
	pick        []int32
	// release says Each may drop each source's aggregate once judged:
	// every source is judged once (no list of indicators named).
	release bool
	done    bool
	// sh, when set, is the sharded assessment of a large case (shard.go):
	// aggs is nil and Each folds the sources from the census's files.
	sh *sharded
}

// Prepare reads the events and observations of in and computes what
// the sources' assessments share (the cross-source factors, the
// campaigns, the datasets' coverage), without judging any source yet.
func Prepare(m *Model, in Input, only []string) (*Pending, error) {
	if m == nil {
		m = DefaultModel()
	}
	r, err := m.resolve()
	if err != nil {
		return nil, err
	}
	rules := in.Rules
	if rules == nil {
		rules = sigma.Builtin()
	}
	a := newAggregator(r, &in, rules)
	defer a.run.Close()
	limit := cmp.Or(in.ShardSources, DefaultShardSources)
	if only != nil || limit < 0 {
		limit = 0 // the sources named are judged from one pass
	}
	// One pass holds, besides the aggregates, the Sigma groups and
	// records that a shard pass does not: about twice the memory per
	// source. It gives up at half a shard.
	if !a.feed(&in, (limit+1)/2) {
		// Too many sources to hold at once: start again, sharded. What
		// the pass gathered goes back to the system before the census.
		a.run.Close()
		a = nil
		debug.FreeOSMemory()
		return prepareSharded(m, r, &in, rules, limit)
	}
	_, notEvaluated, err := a.finishRules()
	if err != nil {
		return nil, err
	}
	p := &Pending{r: r, in: &in, release: only == nil, obs: in.observed(), cov: newCoverage(in.Datasets, r),
		head: Result{Model: m.Version, ModelDigest: m.Digest(), Rules: rules.Name(), RulesDigest: rules.Digest(), NotEvaluated: notEvaluated}}
	if err := p.readObserved(a); err != nil {
		return nil, err
	}
	p.aggs = a.aggs
	p.cross = append(p.cross, make([]crossFacts, len(a.aggs)-len(p.cross))...)
	p.keys = make([]string, len(a.aggs))
	for i, g := range a.aggs {
		p.keys[i] = g.key
	}
	p.cr = crossSource(r, a.recs, a.idNames, p.keys, p.cross)
	// Domains with evidence of hostility: an address the victim contacted
	// for one of them is judged by the roles too.
	p.hostileName = map[string]bool{}
	for i, g := range a.aggs {
		if g.typ != "domain" {
			continue
		}
		f, err := p.factsFor(int32(i), g.key, g.typ)
		if err != nil {
			return nil, err
		}
		if hostileContact(g, hitsOf(r, &in, g, f, &p.cr, int32(i), p.keys)) {
			p.hostileName[g.key] = true
		}
	}
	if only == nil {
		// Busiest first, then by indicator: the order of Result.Sources.
		p.pick = make([]int32, len(a.aggs))
		for i := range p.pick {
			p.pick[i] = int32(i)
		}
		slices.SortFunc(p.pick, func(x, y int32) int {
			gx, gy := a.aggs[x], a.aggs[y]
			return cmp.Or(cmp.Compare(gy.events, gx.events), cmp.Compare(gx.key, gy.key))
		})
	} else {
		for _, k := range only {
			i, ok := a.index[k]
			if !ok {
				return nil, fmt.Errorf("attrib: assess %q: %w", k, ErrUnknownIndicator)
			}
			p.pick = append(p.pick, i)
		}
	}
	used := map[int]bool{}
	for _, i := range p.pick {
		if ci, ok := p.cr.campaignOf[i]; ok {
			used[ci] = true
		}
	}
	for ci, c := range p.cr.campaigns {
		if used[ci] {
			p.head.Campaigns = append(p.head.Campaigns, c)
		}
	}
	return p, nil
}

// noFacts are the facts of every source that nothing was observed about,
// shared (never written once made): a case of a million sources would
// otherwise hold a million empty ones.
var noFacts obsFacts

// factsOf reads what was observed about one source.
func factsOf(key, typ string, obs []enrich.Observation) *obsFacts {
	special := typ == "ip" && isSpecialIP(key)
	if len(obs) == 0 && !special {
		return &noFacts
	}
	f := new(obsFacts)
	readObservations(obs, f)
	if special && f.special == "" {
		f.special = specialName(key)
	}
	return f
}

// Head is the result without its sources: the model, the rules, the
// campaigns of the sources to be judged, and the rules not evaluated.
func (p *Pending) Head() *Result {
	h := p.head
	return &h
}

// Len is the number of sources Each judges.
func (p *Pending) Len() int {
	if p.sh != nil {
		return len(p.keys)
	}
	return len(p.pick)
}

// Each judges the sources one by one, in the order of Result.Sources, and
// calls fn with each; s is fn's to keep. It can be called once: an
// assessment of every source drops each source's aggregate once judged,
// so that memory shrinks as the results are written out.
func (p *Pending) Each(fn func(s *Source) error) error {
	if p.done {
		return errors.New("attrib: the sources of an assessment are judged once")
	}
	p.done = true
	if p.sh != nil {
		return p.eachSharded(fn)
	}
	return judgeInOrder(len(p.pick), func(k int) (Source, error) {
		i := p.pick[k]
		return p.judge(i, p.aggs[i])
	}, func(k int, s *Source) error {
		if p.release {
			p.aggs[p.pick[k]] = nil
		}
		return fn(s)
	})
}

// judge judges source i, folded into g. It may run on several
// processors at once (judgeInOrder).
func (p *Pending) judge(i int32, g *agg) (Source, error) {
	f, err := p.factsFor(i, g.key, g.typ)
	if err != nil {
		return Source{}, err
	}
	s := assessOne(p.r, p.in, g, f, &p.cr, i, p.keys, p.cov, p.hostileName)
	if ci, ok := p.cr.campaignOf[i]; ok {
		s.Campaign = p.cr.campaigns[ci].ID
	}
	return s, nil
}

// assessOne combines the factors of one source.
func assessOne(r *resolved, in *Input, g *agg, f *obsFacts, cr *crossResult, idx int32, keys []string, cov *coverage, hostileName map[string]bool) Source {
	hits := hitsOf(r, in, g, f, cr, idx, keys)
	switch {
	case g.typ == "ip" && f.special != "":
		return listBehaviour(r, internalSource(g, f), hits)
	case contactedOnly(g) && !hostileContact(g, hits) && !servedHostile(g, hostileName):
		return listBehaviour(r, contactedSource(g), hits)
	}

	cs := make([]contribution, len(hits))
	for i, h := range hits {
		cs[i] = newContribution(&r.spec[h.factor], h.rho, r.lnClip)
	}
	score, counted := combine(r.lnPrior, cs)
	p := posterior(score, r.m.Clamp.Min, r.m.Clamp.Max)

	// The stated role is the most probable one, always: a statement that
	// contradicted its own numbers would mislead. A tie for the top goes
	// to undetermined when it is among the tied, else to the first in
	// role order.
	top := argmax(p)
	s := Source{Indicator: g.key, Type: g.typ, Role: roleNames[top], Events: g.events, Special: f.special, Refused: g.vantage}
	s.FirstSeen, s.LastSeen = g.seen()
	s.Logins, s.LoginsOver = loginsOf(g)
	for i := range p {
		s.Hypotheses[i] = round(p[i], 4)
	}
	s.Probability = s.Hypotheses[top]
	s.Words = Words(p[top])
	s.CollateralRisk = round(collateral(p), 4)
	s.ThirdPartyRisk = top != rUnd && collateral(p) > r.m.Thresholds.CollateralThreshold

	fams := make([]familyView, r.nFamilies)
	bestRho := make([]float64, r.nFamilies)
	influence := make([]float64, len(hits))
	s.Factors = make([]Factor, len(hits))
	bestLift := 0.0
	for i, h := range hits {
		spec := &r.spec[h.factor]
		fv := &fams[spec.family]
		ff := Factor{ID: spec.id, N: h.factor + 1, Text: h.text, Rho: round(h.rho, 3), Staleness: round(h.stale, 4), RhoWhy: h.why, Source: h.source,
			Evidence: h.evidence, EvidenceN: h.total, Family: r.m.Factors[spec.id].Family, Rules: h.rules}
		if ff.Evidence == nil {
			ff.Evidence = []string{}
		}
		for j := 0; j < nDiag; j++ {
			if spec.lambda[j] != 1 {
				ff.Diagnostic = true
			}
			if counted[i][j] {
				ff.Nats[j] = round(cs[i].nats[j], 3)
				fv.nats[j] += cs[i].nats[j]
				influence[i] += math.Abs(cs[i].nats[j])
			} else {
				ff.Shadowed[j] = round(cs[i].nats[j], 3)
			}
		}
		if ff.Diagnostic {
			fv.diag = true
			// The family's ρ for the confidence rule is that of the member
			// counted for the top role (or the strongest member).
			if top < nDiag && counted[i][top] || top == rUnd && h.rho > bestRho[spec.family] {
				bestRho[spec.family] = h.rho
			}
		}
		if top < nDiag && counted[i][top] && cs[i].nats[top] > bestLift {
			bestLift = cs[i].nats[top]
			s.Because = factorLabel[h.factor]
		}
		s.Factors[i] = ff
	}
	for k := range fams {
		fams[k].rho = bestRho[k]
	}
	th := &r.m.Thresholds
	s.Confidence = confidence(top, fams, th.ConfidenceRho, th.ContraryNats)
	order := make([]int, len(hits))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int {
		fx, fy := s.Factors[x].Diagnostic, s.Factors[y].Diagnostic
		if fx != fy {
			if fx {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(influence[y], influence[x]), cmp.Compare(hits[x].factor, hits[y].factor))
	})
	sorted := make([]Factor, len(order))
	for i, o := range order {
		sorted[i] = s.Factors[o]
	}
	s.Factors = sorted
	s.Recommendation = recommend(r, &s, f)
	s.WouldChange = wouldChange(r, &s, g, f, hits, cov)
	return s
}

// argmax is the most probable role; undetermined wins a tie it is part of.
func argmax(p [nRoles]float64) int {
	top := rUnd
	for i := 0; i < nDiag; i++ {
		if p[i] > p[top]+1e-12 {
			top = i
		}
	}
	return top
}

// seen is the source's first and last event time, nil when untimed.
func (g *agg) seen() (first, last *time.Time) {
	if !g.timed {
		return nil, nil
	}
	fs, ls := time.Unix(0, g.first).UTC(), time.Unix(0, g.last).UTC()
	return &fs, &ls
}

// hitsOf lists the factors that apply to one source.
func hitsOf(r *resolved, in *Input, g *agg, f *obsFacts, cr *crossResult, idx int32, keys []string) []hit {
	b := &builder{r: r, in: in, sp: span{g.first, g.last, g.timed}}
	b.spoof = g.events > 0 && g.extras().spoofable == g.events
	return b.fromBehaviour(g, b.fromEvents(g, f, b.fromObservations(f), cr, idx, keys))
}
