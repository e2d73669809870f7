package attrib

// Behaviour factors (rows 29–37): what a source did, as Sigma rules
// (graph/sigma) detect it in the case's events. Each rule belongs to one
// behaviour class, the factor it supports:
//
//   - an explicit tag "casefile.<factor id>" (casefile.password-guessing,
//     casefile.hands-on, …), else
//   - its ATT&CK technique: T1110 → password-guessing, T1505.003 → hands-on,
//     T1190 → web-attack, T1595 and T1046 → scanning, T1071, T1573, T1095,
//     T1571 and T1102 → c2-traffic; a beacon() rule → beaconing, else
//   - other-detection, shown with its rule but not diagnostic (λ = 1).
//
// A rule that matches single events supports its factor for every source
// the event names (SourcesOf: the remote party). An aggregate rule
// (count() or beacon()) supports it for the address in its "by" fields:
// the source address, or the destination when the source is a special
// (internal) address talking out or the rule is a beacon() rule. An
// aggregate rule grouped by neither src nor dst names no source and
// supports no factor.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/graph/sigma"
)

// behaviourFactors are the factors rules can support, in class order.
var behaviourFactors = []int{fPasswordGuessing, fSuccessAfterFailures, fHandsOn, fWebAttack, fScanning,
	fIDSAttack, fC2Traffic, fBeaconing, fOtherDetection}

// didWords say in a few words what each behaviour factor found, for
// tables (the workbench's sources, the report's rows).
var didWords = map[string]string{
	"password-guessing":      "password guessing",
	"success-after-failures": "logged in after failures",
	"hands-on":               "hands-on activity",
	"web-attack":             "web attacks",
	"ids-attack":             "IDS attack alerts",
	"scanning":               "scanning",
	"c2-traffic":             "command-and-control traffic",
	"beaconing":              "beaconing",
	"other-detection":        "other alerts",
}

// Did says in a few words what the factor found the source doing, when it
// rests on rule hits (a behaviour factor); "" for a factor about where the
// source sits.
func (f *Factor) Did() string {
	if len(f.Rules) == 0 {
		return ""
	}
	if w := didWords[f.ID]; w != "" {
		return w
	}
	return strings.ReplaceAll(f.ID, "-", " ")
}

// Did lists what rules found the source doing, in factor order, each once.
func (s *Source) Did() []string {
	var out []string
	for i := range s.Factors {
		if w := s.Factors[i].Did(); w != "" && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// RuleRef names a rule that supports a factor.
type RuleRef struct {
	ID     string   `json:"id"`
	Title  string   `json:"title"`
	Level  string   `json:"level"`
	Tags   []string `json:"tags,omitempty"` // ATT&CK tags
	File   string   `json:"file"`
	Events int64    `json:"events"` // events of this source the rule matched
	// Detail says what an aggregate rule counted ("73 in 10 minutes from
	// 2024-12-10T07:01:02Z", "account fztu", "every 60 s").
	Detail string `json:"detail,omitempty"`
}

// behaviourOf maps a rule to its factor.
func behaviourOf(r *sigma.Rule) int {
	for _, t := range r.Tags {
		if id, ok := strings.CutPrefix(strings.ToLower(t), "casefile."); ok {
			for _, f := range behaviourFactors {
				if factorOrder[f] == id {
					return f
				}
			}
		}
	}
	if r.Beacon() {
		return fBeaconing
	}
	for _, t := range r.Attack() {
		t = strings.ToLower(strings.TrimPrefix(strings.ToLower(t), "attack."))
		tech, _, _ := strings.Cut(t, ".")
		switch {
		case tech == "t1110":
			return fPasswordGuessing
		case t == "t1505.003":
			return fHandsOn
		case tech == "t1190":
			return fWebAttack
		case tech == "t1595" || tech == "t1046":
			return fScanning
		case tech == "t1071" || tech == "t1573" || tech == "t1095" || tech == "t1571" || tech == "t1102":
			return fC2Traffic
		}
	}
	return fOtherDetection
}

// hostileBehaviour reports whether a factor says the source attacked.
func hostileBehaviour(f int) bool { return f != fOtherDetection }

type ruleUse struct {
	r      *sigma.Rule
	events int64
	detail string
}

type behaviourAcc struct {
	cites citeList
	rules []ruleUse
}

// behaviour is what rules found about one source; nil when nothing.
type behaviour struct {
	acc [nFactors]*behaviourAcc
}

func (b *behaviour) use(f int, r *sigma.Rule) *behaviourAcc {
	a := b.acc[f]
	if a == nil {
		a = &behaviourAcc{}
		b.acc[f] = a
	}
	for i := range a.rules {
		if a.rules[i].r == r {
			return a
		}
	}
	a.rules = append(a.rules, ruleUse{r: r})
	return a
}

// hostile reports whether any rule found hostile behaviour; except leaves
// one factor out (reconnaissance-only allows scanning).
func (b *behaviour) hostile(except int) bool {
	if b == nil {
		return false
	}
	for _, f := range behaviourFactors {
		if b.acc[f] != nil && hostileBehaviour(f) && f != except {
			return true
		}
	}
	return false
}

// ruleHits records the rules that matched one event for one source.
func (g *agg) ruleHits(rules []*sigma.Rule, classes map[*sigma.Rule]int, e *parse.Event) {
	if g.beh == nil {
		g.beh = &behaviour{}
	}
	for _, r := range rules {
		a := g.beh.use(classes[r], r)
		for i := range a.rules {
			if a.rules[i].r == r {
				a.rules[i].events++
			}
		}
		if last := len(a.cites.first); last == 0 || a.cites.first[last-1] != citeOf(e) {
			a.cites.add(e)
		}
	}
}

// detected records an aggregate rule's detection for the source it names.
func (a *aggregator) detected(d *sigma.Detection) {
	key := detectionSource(d)
	if key == "" {
		return
	}
	_, g := a.source(key, typeOf(key))
	x := detectedOf(a, d, "")
	a.applyDetection(g, &x)
}

// detectionSource is the indicator an aggregate detection is about.
func detectionSource(d *sigma.Detection) string {
	src, dst := d.Group["src"], d.Group["dst"]
	switch {
	case d.Rule.Beacon():
		return dst
	case src != "" && !(dst != "" && isSpecialIP(src) && !isSpecialIP(dst)):
		return src
	}
	return dst
}

func detectionDetail(d *sigma.Detection) string {
	parts := []string{d.Summary()}
	if !d.First.IsZero() {
		parts = append(parts, "from "+d.First.Format(time.RFC3339)+" to "+d.Last.Format(time.RFC3339))
	}
	if u := d.Group["user"]; u != "" {
		parts = append(parts, "account "+strconv.Quote(u))
	}
	return strings.Join(parts, ", ")
}

// fromBehaviour adds one factor per behaviour class the rules found.
func (b *builder) fromBehaviour(g *agg, hits []hit) []hit {
	if g.beh == nil || g.vantage {
		return hits
	}
	rel := b.r.m.EventReliability
	for _, f := range behaviourFactors {
		a := g.beh.acc[f]
		if a == nil {
			continue
		}
		rho, _, why := b.weight(rel, "", f, time.Time{})
		var names []string
		for _, u := range a.rules {
			s := fmt.Sprintf("%q (%s) on %d event(s)", u.r.Title, strings.Join(append([]string{u.r.ID, u.r.Level}, u.r.Attack()...), ", "), u.events)
			if u.detail != "" {
				s += ": " + u.detail
			}
			names = append(names, s)
		}
		hits = append(hits, hit{factor: f, rho: rho, why: why, source: "Sigma rules over the case's logs, rating " + rel,
			text: factorLabel[f] + ": " + strings.Join(names, "; "), evidence: b.citeRefs(a.cites), total: a.cites.total, rules: ruleRefs(a)})
	}
	return hits
}

// ruleRefs names the rules behind a behaviour factor.
func ruleRefs(a *behaviourAcc) []RuleRef {
	out := make([]RuleRef, 0, len(a.rules))
	for _, u := range a.rules {
		out = append(out, RuleRef{ID: u.r.ID, Title: u.r.Title, Level: u.r.Level, Tags: u.r.Attack(), File: u.r.File, Events: u.events, Detail: u.detail})
	}
	slices.SortFunc(out, func(x, y RuleRef) int { return strings.Compare(x.ID, y.ID) })
	return out
}

// listBehaviour adds to a source outside the role model (internal, or a
// contacted destination) what it did, as rules found it: the behaviour
// factors with their rules and citations, without nats. An internal host
// that scans or guesses passwords is the lateral-movement evidence its
// verdict talks about; it is listed, not scored.
func listBehaviour(r *resolved, s Source, hits []hit) Source {
	for _, h := range hits {
		if !slices.Contains(behaviourFactors, h.factor) {
			continue
		}
		spec := &r.spec[h.factor]
		ev := h.evidence
		if ev == nil {
			ev = []string{}
		}
		s.Factors = append(s.Factors, Factor{ID: spec.id, N: h.factor + 1, Text: h.text, Rho: round(h.rho, 3), RhoWhy: h.why,
			Source: h.source, Evidence: ev, EvidenceN: h.total, Family: r.m.Factors[spec.id].Family, Rules: h.rules})
	}
	if s.Role == Contacted && hostileListed(s.Factors) {
		s.Recommendation = "No action against this address: the victim's own hosts contacted it, and nothing shows it served command and control, exfiltration or tooling. Review the victim host that sent the traffic the rules matched."
	}
	return s
}

// didText says what a source did, as rules found it: each behaviour with
// the rules that found it (`port or service scanning (rule "RDP scanner
// cookie" (casefile-net-rdp-scanner-cookie): 17 event(s))`, an aggregate
// rule saying what it counted); "" when no rule matched.
func didText(fs []Factor) string {
	var parts []string
	for _, f := range fs {
		if len(f.Rules) == 0 {
			continue
		}
		var rs []string
		for _, u := range f.Rules {
			x := fmt.Sprintf("%q (%s): %d event(s)", u.Title, u.ID, u.Events)
			if u.Detail != "" {
				x = fmt.Sprintf("%q (%s): %s", u.Title, u.ID, u.Detail)
			}
			rs = append(rs, x)
		}
		label := factorLabel[f.N-1]
		if f.N-1 == fOtherDetection {
			label = "other detections"
		}
		word := "rule"
		if len(rs) > 1 {
			word = "rules"
		}
		parts = append(parts, label+" ("+word+" "+strings.Join(rs, "; ")+")")
	}
	return strings.Join(parts, "; ")
}

// hostileListed reports whether a behaviour factor says the source (or the
// traffic to it) was hostile; other detections (policy alerts) are not.
func hostileListed(fs []Factor) bool {
	for _, f := range fs {
		if len(f.Rules) > 0 && f.N-1 != fOtherDetection {
			return true
		}
	}
	return false
}

// finishRules ends the pass's Sigma run: its detections, each credited to
// its source, and the rules left unevaluated (too many groups).
func (a *aggregator) finishRules() ([]sigma.Detection, []RuleEvents, error) {
	ds, err := a.run.Finish()
	if err != nil {
		return nil, nil, err
	}
	for i := range ds {
		a.detected(&ds[i])
	}
	return ds, a.notEvaluated(), nil
}

// notEvaluated are the rules that could not be evaluated over every event
// (sigma.Run.Dropped).
func (a *aggregator) notEvaluated() []RuleEvents {
	var out []RuleEvents
	for _, d := range a.run.Dropped() {
		out = append(out, RuleEvents{Rule: d.Rule.ID, Events: d.Events})
	}
	return out
}
