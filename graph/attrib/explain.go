package attrib

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/indicator"
	"github.com/casefile/casefile/graph/sigma"
)

func specialName(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return ""
	}
	return indicator.Special(a)
}

// coverage knows which dated Tor exit lists were consulted.
type coverage struct {
	torDates []int64
	window   int64
	seen     map[string]bool // dataset and date of each of torDates
}

func newCoverage(ds []Dataset, r *resolved) *coverage {
	c := &coverage{window: r.torWindow, seen: map[string]bool{}}
	for _, d := range ds {
		if d.SourceType == enrich.TypeTorExits {
			c.addTor(d.Digest, d.Date)
		}
	}
	return c
}

// observed notes the Tor lists among one indicator's observations: a list
// covers its publication date and the times of its own ExitAddress lines
// (a list fetched days after the events still says which addresses were
// exits on the event date).
func (c *coverage) observed(list []enrich.Observation) {
	for i := range list {
		if o := &list[i]; o.SourceType == enrich.TypeTorExits {
			c.addTor(o.Dataset, o.DatasetDate)
			c.addTor(o.Dataset, o.ValidAt)
		}
	}
}

func (c *coverage) addTor(digest string, t time.Time) {
	if t.IsZero() || c.seen[digest+t.String()] {
		return
	}
	c.seen[digest+t.String()] = true
	c.torDates = append(c.torDates, t.UnixNano())
}

// torCovered reports whether a Tor list dated within the window of the
// source's events was consulted.
func (c *coverage) torCovered(sp span) bool {
	for _, t := range c.torDates {
		if t >= sp.first-c.window && t <= sp.last+c.window {
			return true
		}
	}
	return false
}

var rolePhrase = [nRoles]string{
	"the attacker's own infrastructure",
	"an anonymising relay",
	"a compromised third-party system",
	"an abused legitimate platform",
	"of no attributable role (benign noise, a scanner, or too little evidence)",
}

// recommend proposes only lawful action: blocking at the own perimeter,
// notifying abuse contacts, reporting to CERT or police with the export
// package. It never proposes acting against the source itself.
func recommend(r *resolved, s *Source, f *obsFacts) string {
	report := "report to the national CERT or the police with the export package"
	abuse := "notify the network's abuse contact (find it with WHOIS)"
	if f.abuse != "" {
		abuse = "notify the abuse contact (" + f.abuse + ")"
	}
	switch {
	case s.Refused:
		return "Casefile does not attribute the client behind this service: the log sees only a proxy or cloud service, not the client. Do not act against the address. Obtain the provider's logs with the real client address (through the provider or law enforcement), block at your own perimeter by credential or session rather than by this address, and " + report + "."
	}
	top := slices.Index(roleNames[:], s.Role)
	var b strings.Builder
	if s.ThirdPartyRisk {
		b.WriteString("Do not act against this address: " + collateralClause(s.CollateralRisk) + ". ")
	}
	switch top {
	case 0:
		b.WriteString("Block it at your own perimeter, preserve the evidence, " + report + ", and " + abuse +
			" so that the provider can act under its own terms. Do not access or disrupt the system yourself.")
	case 1:
		b.WriteString("Block it at your own perimeter (expect the attacker to move to another exit, so also block by credential and behaviour), " + report +
			". Only law enforcement can ask the relay operator about its users.")
	case 2:
		b.WriteString("Its owner is probably a victim too: " + abuse + " so that the owner can clean up, block it at your own perimeter, and " + report + ".")
	case 3:
		b.WriteString("Report the abuse to the platform (its abuse or trust-and-safety contact) naming the specific account, bucket or URL, block that resource at your own perimeter rather than the whole service, and " + report + ".")
	case rUnd:
		if hostileListed(s.Factors) {
			b.WriteString("Block it at your own perimeter: it acted against you (see what it did). Nothing on this evidence says whose system it is, so take no action beyond your perimeter.")
		} else {
			b.WriteString("Nothing on this evidence warrants action beyond your own perimeter; block it there if the traffic is unwanted.")
		}
	}
	return b.String()
}

// CollateralSentence is the sentence the statement uses for a collateral
// risk p (the probability that the source belongs to a third party).
func CollateralSentence(p float64) string { return collateralSentence(p) }

// collateralSentence says how likely acting against the source would harm
// a third party, in words that follow the probability: "would" only when
// it is likely.
func collateralSentence(p float64) string {
	if Words(p) == "roughly even chance" {
		return "There is a roughly even chance that acting against it would harm a third party."
	}
	return "Acting against it " + harmPhrase(p) + "."
}

// collateralClause is the same judgement as a clause about the address.
func collateralClause(p float64) string {
	if Words(p) == "roughly even chance" {
		return "there is a roughly even chance that acting against it would harm a third party"
	}
	return "it " + harmPhrase(p)
}

func harmPhrase(p float64) string {
	switch w := Words(p); w {
	case "almost certain":
		return "would almost certainly harm a third party"
	case "very likely", "likely":
		return "would " + w + " harm a third party"
	case "unlikely":
		return fmt.Sprintf("could harm a third party (unlikely, %.0f %%)", p*100)
	default:
		return "is " + w + " to harm a third party"
	}
}

// maxNats is the most a factor could move any role.
func maxNats(r *resolved, factor int) float64 {
	m := 0.0
	for _, l := range r.spec[factor].lambda {
		m = math.Max(m, math.Abs(math.Log(l)))
	}
	return math.Min(m, r.lnClip)
}

// wouldChange lists the missing or weak evidence that would move the
// judgement most, ranked by the most nats the factor it informs could add.
func wouldChange(r *resolved, s *Source, g *agg, f *obsFacts, hits []hit, cov *coverage) []string {
	type cand struct {
		w    float64
		text string
	}
	var cs []cand
	add := func(w float64, text string) { cs = append(cs, cand{w, text}) }
	top := slices.Index(roleNames[:], s.Role)
	ip := s.Type == "ip" && s.Special == ""
	if s.Refused {
		add(maxNats(r, fVantage), "logs from the proxy, CDN or cloud provider with the real client address (or a trusted X-Forwarded-For)")
	}
	if ip && !s.Refused {
		sp := span{g.first, g.last, g.timed}
		switch {
		case !g.timed:
			add(maxNats(r, fTorExit), "events with times, so that datasets can be matched to the time of the activity")
		case !cov.torCovered(sp):
			add(maxNats(r, fTorExit), "a Tor exit list for "+dateStr(time.Unix(0, g.first))+" (none covering the event date was consulted)")
		}
		if !f.sawAnon {
			add(maxNats(r, fVPN), "an anonymous-IP database result (VPN, proxy, hosting flags) for the address")
		}
		if !f.sawWHOIS {
			add(maxNats(r, fLegitOrg), "WHOIS or RDAP for the address (its owner, and the abuse contact to notify)")
		}
		if !f.sawASN {
			add(maxNats(r, fHosting), "ASN data for the address")
		}
		if !f.sawGeo && len(g.citesOf(catIdentity).first) > 0 {
			add(maxNats(r, fTravel), "city geolocation, to test impossible travel between addresses of the same account")
		}
	}
	if s.Type == "domain" && f.created.IsZero() {
		add(maxNats(r, fFreshDomain), "WHOIS for the domain (its creation date)")
	}
	for _, h := range hits {
		if h.stale > 0 && h.stale < 0.5 {
			add(maxNats(r, h.factor)*(1-h.stale), "a dataset closer to the event date than "+h.source)
		}
	}
	switch top {
	case 0:
		add(2.3, "logs from the hosting provider (who rented the server and from where it was administered)")
	case 2:
		add(2.3, "the owner's logs or forensics of the compromised host (where the attacker came from)")
	case 1:
		add(1.0, "the relay's position in the attack: events before and after it from other sources of the same campaign")
	}
	if g.events == 0 {
		add(1.5, "events involving this indicator (it is known only from enrichment)")
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return cmp.Compare(b.w, a.w) })
	out := []string{}
	for i := 0; i < len(cs) && i < 4; i++ {
		out = append(out, cs[i].text)
	}
	return out
}

// Text writes a short statement per source that a reader without the model
// can follow: the judgement, the confidence, the risk of acting against it,
// what to do, and what would change the judgement.
func (r *Result) Text(w io.Writer) error {
	t := NewTextWriter(w, r)
	for i := range r.Sources {
		t.Source(&r.Sources[i])
	}
	return t.ew.err
}

// TextWriter writes what Result.Text writes one source at a time, for a
// result too large to hold.
type TextWriter struct {
	ew   *errWriter
	head *Result
}

// NewTextWriter writes head's lines before its sources; head's own
// Sources are not written (give them to Source).
func NewTextWriter(w io.Writer, head *Result) *TextWriter {
	ew := &errWriter{w: w}
	ew.printf("Attribution assessment (model %s, %s)\n", head.Model, head.ModelDigest)
	for _, n := range head.NotEvaluated {
		ew.printf("Not evaluated: %d events that rule %s matched, beyond the %d groups (sources) it can keep; what it would have found for them is missing.\n",
			n.Events, n.Rule, sigma.MaxGroups)
	}
	return &TextWriter{ew: ew, head: head}
}

// Source writes the statement of the next source.
func (t *TextWriter) Source(s *Source) error {
	ew := t.ew
	ew.printf("\n%s\n", statement(s))
	if s.Examiner != nil {
		ew.printf("  %s\n", s.Examiner.Text())
	}
	ew.printf("  Recommendation: %s\n", s.Recommendation)
	if len(s.WouldChange) > 0 {
		ew.printf("  What would change this: %s.\n", strings.Join(s.WouldChange, "; "))
	}
	if s.Campaign != "" {
		for _, c := range t.head.Campaigns {
			if c.ID == s.Campaign {
				ew.printf("  Part of %s: %d sources sharing %s.\n", c.ID, len(c.Members), strings.Join(c.Identities, ", "))
			}
		}
	}
	return ew.err
}

// Statement is the one-paragraph judgement of the source that Text prints:
// the words, the confidence and, when it applies, the collateral risk.
func (s *Source) Statement() string { return statement(s) }

// statement is the one-paragraph judgement of a source.
func statement(s *Source) string {
	top := slices.Index(roleNames[:], s.Role)
	if top < 0 {
		return statementOutside(s)
	}
	role := rolePhrase[top]
	if s.Because != "" {
		role += " (" + s.Because + ")"
	}
	var b strings.Builder
	did := didText(s.Factors)
	switch {
	case top == rUnd && !s.evidenced():
		fmt.Fprintf(&b, "%s: no evidence about this source's role. Nothing known about it favours or rules out any role, so it is left undetermined.", s.Indicator)
	case top == rUnd && did != "":
		fmt.Fprintf(&b, "Casefile cannot attribute %s: what it did and where it sits single out no role (%s).", s.Indicator, undeterminedOdds(s))
	case top == rUnd:
		fmt.Fprintf(&b, "Casefile cannot attribute %s: the evidence points to no particular role (benign noise, a scanner, or too little evidence; %s).", s.Indicator, undeterminedOdds(s))
	case s.Words == "almost certain":
		fmt.Fprintf(&b, "%s is almost certainly %s.", s.Indicator, role)
	case s.Words == "very likely" || s.Words == "likely":
		fmt.Fprintf(&b, "%s is %s %s.", s.Indicator, s.Words, role)
	case s.Words == "roughly even chance":
		fmt.Fprintf(&b, "There is a roughly even chance that %s is %s.", s.Indicator, role)
	default:
		fmt.Fprintf(&b, "The most likely role of %s is %s, but even that is %s (%.0f %%).", s.Indicator, role, s.Words, s.Probability*100)
	}
	if did != "" {
		b.WriteString(" What it did, as rules found it: " + did + ".")
	}
	if s.Refused {
		b.WriteString(" The log sees only this service, not the client behind it, so the client who acted through it is not attributed.")
	}
	fmt.Fprintf(&b, " Confidence: %s.", s.Confidence)
	if top != rUnd {
		b.WriteString(" " + collateralSentence(s.CollateralRisk))
	}
	return b.String()
}

// undeterminedOdds states an undetermined verdict's probability. Below
// an even chance "undetermined unlikely" would read as a contradiction:
// it is still the most probable, and no role is likely.
func undeterminedOdds(s *Source) string {
	if s.Probability < 0.45 {
		return fmt.Sprintf("undetermined at %.0f %%, the most probable, though no role is likely", s.Probability*100)
	}
	return fmt.Sprintf("undetermined %s, %.0f %%", s.Words, s.Probability*100)
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, a ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, a...)
	}
}

// evidenced reports whether any factor moved the source's scores.
func (s *Source) evidenced() bool {
	for _, f := range s.Factors {
		if f.Nats != (RoleValues{}) {
			return true
		}
	}
	return false
}
