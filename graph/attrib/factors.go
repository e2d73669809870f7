package attrib

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/casefile/casefile/enrich"
)

// Factor indexes, in the order of the table in ATTRIBUTION.md.
const (
	fTorExit = iota
	fTorRelay
	fVPN
	fResProxy
	fPubProxy
	fPrivacyRelay
	fHosting
	fCloudFront
	fBusiness
	fResidential
	fSOHO
	fLegitOrg
	fMalScanner
	fResearchScanner
	fPool
	fTravel
	fExclusive
	fTooling
	fFreshDomain
	fEstablishedDomain
	fSaaSC2
	fFronting
	fVantage
	fCountry
	fBenignUse
	fReconOnly
	fAnonPool
	fSibling
	fPasswordGuessing
	fSuccessAfterFailures
	fHandsOn
	fWebAttack
	fScanning
	fIDSAttack
	fC2Traffic
	fBeaconing
	fOtherDetection
	nFactors
)

// factorOrder holds the factor ids used in the model file and in JSON.
var factorOrder = [nFactors]string{
	"tor-exit", "tor-relay", "anonymous-vpn", "residential-proxy", "public-proxy", "privacy-relay",
	"hosting", "cloud-front", "business-service", "residential-access", "soho-exposed",
	"legit-organisation", "malicious-scanner", "research-scanner", "rotating-pool",
	"impossible-travel", "exclusive-interactive", "attacker-tooling", "fresh-domain",
	"established-domain-abused", "saas-c2", "domain-fronting", "proxy-vantage", "country",
	"benign-use", "reconnaissance-only", "anonymiser-pool", "anonymiser-sibling",
	"password-guessing", "success-after-failures", "hands-on", "web-attack", "scanning",
	"ids-attack", "c2-traffic", "beaconing", "other-detection",
}

// factorLabel is the short phrase used in statements ("… (label)").
var factorLabel = [nFactors]string{
	"Tor exit at the time of the events", "Tor relay that is not an exit", "anonymous VPN",
	"residential proxy", "public proxy", "consumer privacy relay", "hosting or data centre address",
	"cloud or CDN front end", "known business service", "residential or cellular access",
	"residential device exposing router or proxy services", "owned by an unrelated legitimate organisation",
	"mass-scanning noise classified malicious", "benign research scanner", "part of a rotating pool",
	"impossible travel between sources of one identity", "exclusive, interactive use against one victim",
	"attacker tooling seen", "domain registered shortly before first use",
	"long-established domain suddenly used maliciously", "command and control over a SaaS or storage API",
	"domain fronting", "the log only sees a proxy or cloud service, not the real client",
	"country of the address (not evidence of role)",
	"nothing hostile: only successful use of its own credentials",
	"nothing hostile: reconnaissance only",
	"member of a rotating pool whose other members are mostly flagged anonymisers",
	"unlisted address in the network of a flagged anonymiser that used the same credential",
	"password guessing or credential stuffing", "successful login after failures",
	"interactive hands-on use (web-shell commands, long sessions)", "web attack signatures or attack tools",
	"port or service scanning", "IDS alert of an attack", "IDS alert of malware or command and control",
	"beaconing from a victim host to this destination", "rule matched (not diagnostic)",
}

// hit is one factor as it applies to one source.
type hit struct {
	factor   int
	rho      float64
	why      string
	source   string
	text     string
	evidence []string
	total    int64   // number of supporting items, of which evidence lists the first few
	stale    float64 // staleness factor in (0, 1]; 0 = not applicable
	rules    []RuleRef
}

// span is a source's event interval in Unix nanoseconds.
type span struct {
	first, last int64
	ok          bool
}

// distanceHours from t to the nearest point of the event interval.
func (s span) distanceHours(t time.Time) float64 {
	if !s.ok || t.IsZero() {
		return 0
	}
	n := t.UnixNano()
	switch {
	case n < s.first:
		return float64(s.first-n) / 3.6e12
	case n > s.last:
		return float64(n-s.last) / 3.6e12
	}
	return 0
}

func signedDays(s span, t time.Time) string {
	if !s.ok || t.IsZero() {
		return ""
	}
	h := s.distanceHours(t)
	if h == 0 {
		return "within the event period"
	}
	dir := "after"
	if t.UnixNano() < s.first {
		dir = "before"
	}
	return humanDuration(h) + " " + dir + " the events"
}

func humanDuration(h float64) string {
	switch {
	case h < 48:
		return strconv.FormatFloat(h, 'f', 1, 64) + " h"
	default:
		return strconv.FormatFloat(h/24, 'f', 0, 64) + " days"
	}
}

// builder turns the facts about one source into hits.
type builder struct {
	r     *resolved
	in    *Input
	spoof bool // every event naming this source could have been forged
	sp    span
}

func (b *builder) weight(rel, credName string, factor int, dataTime time.Time) (rho, stale float64, why string) {
	return b.weightKind(rel, credName, factor, "", dataTime)
}

// weightKind is weight with the half-life of kind instead of the factor's
// own (kind "" keeps the factor's).
func (b *builder) weightKind(rel, credName string, factor int, kind string, dataTime time.Time) (rho, stale float64, why string) {
	rf := &b.r.spec[factor]
	halfLife := rf.halfLife
	if d, ok := b.r.m.HalfLifeDays[kind]; ok && kind != "" {
		halfLife = d * 24
	}
	relW, ok := b.r.m.Reliability[rel]
	if !ok {
		rel, relW = "F", b.r.m.Reliability["F"]
	}
	credW := rf.cred
	if credName == "" {
		credName = rf.credName
	} else {
		credW = b.r.m.Credibility[credName]
	}
	parts := []string{
		fmt.Sprintf("reliability %s %.2f", rel, relW),
		fmt.Sprintf("credibility %s %.2f", credName, credW),
	}
	dh := b.sp.distanceHours(dataTime)
	rho = rhoOf(relW, credW, dh, halfLife, 1)
	if halfLife > 0 {
		if !dataTime.IsZero() && b.sp.ok {
			stale = math.Exp2(-dh / halfLife)
		}
		switch {
		case dataTime.IsZero():
			parts = append(parts, "undated data, no staleness discount")
		case !b.sp.ok:
			parts = append(parts, "no event time, no staleness discount")
		default:
			of := ""
			if kind != "" {
				of = " of " + kind + " data"
			}
			parts = append(parts, fmt.Sprintf("staleness %.3g (data %s, half-life%s %s)",
				math.Exp2(-dh/halfLife), signedDays(b.sp, dataTime), of, humanDuration(halfLife)))
		}
	}
	if b.spoof {
		rho *= b.r.m.SpoofDiscount
		parts = append(parts, fmt.Sprintf("spoof %.2g (every event naming this address could have been forged: no handshake or untrusted X-Forwarded-For)", b.r.m.SpoofDiscount))
	}
	return rho, stale, strings.Join(parts, " × ")
}

func (b *builder) datasetRef(digest string) []string {
	if digest == "" {
		return nil
	}
	var out []string
	if b.in.EntryOf != nil {
		if n, ok := b.in.EntryOf(digest); ok {
			out = append(out, "entry:"+strconv.FormatInt(n, 10))
		}
	}
	return append(out, "dataset "+digest)
}

func (b *builder) citeRefs(cl citeList) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range cl.first {
		if art := c.art.Value(); b.in.EntryOf != nil && !seen[art] {
			seen[art] = true
			if n, ok := b.in.EntryOf(art); ok {
				out = append(out, "entry:"+strconv.FormatInt(n, 10))
			}
		}
		out = append(out, c.String())
	}
	return out
}

func obsDate(o *enrich.Observation) time.Time {
	if !o.ValidAt.IsZero() {
		return o.ValidAt
	}
	return o.DatasetDate
}

// fromObservations keeps, per factor, the observation with the largest ρ and
// the datasets of all observations supporting it.
func (b *builder) fromObservations(f *obsFacts) []hit {
	var hits []hit
	pos := map[int]int{}
	for _, oh := range f.hits {
		cred := ""
		if oh.cred > 0 {
			cred = strconv.Itoa(oh.cred)
		}
		rel, date, src := "F", time.Time{}, "derived"
		var ev []string
		if oh.obs != nil {
			rel, date = oh.obs.Reliability, obsDate(oh.obs)
			src = fmt.Sprintf("%s %s, rating %s", oh.obs.Source, dateStr(oh.obs.DatasetDate), rel)
			if oh.obs.Dataset != "" {
				src += " (dataset " + oh.obs.Dataset + ")"
			}
			ev = b.datasetRef(oh.obs.Dataset)
			if b.in.ObservedIn != nil {
				if n, ok := b.in.ObservedIn(oh.obs.Indicator, oh.obs.Dataset); ok {
					ev = append([]string{"entry:" + strconv.FormatInt(n, 10)}, ev...)
				}
			}
		}
		rho, stale, why := b.weightKind(rel, cred, oh.factor, oh.kind, date)
		text := factorLabel[oh.factor] + ": " + oh.what
		if oh.factor == fTorExit {
			text = b.torText(oh, date)
		}
		h := hit{factor: oh.factor, rho: rho, why: why, source: src, text: text, evidence: ev, total: 1, stale: stale}
		if i, ok := pos[oh.factor]; ok {
			prev := &hits[i]
			prev.total++
			for _, e := range ev {
				if len(prev.evidence) < 2*maxCites && !contains(prev.evidence, e) {
					prev.evidence = append(prev.evidence, e)
				}
			}
			if rho > prev.rho {
				h.evidence, h.total = prev.evidence, prev.total
				*prev = h
			}
			continue
		}
		pos[oh.factor] = len(hits)
		hits = append(hits, h)
	}
	return conditional(hits)
}

func (b *builder) torText(oh obsHit, date time.Time) string {
	w := float64(b.r.torWindow) / 3.6e12
	dh := b.sp.distanceHours(date)
	switch {
	case !b.sp.ok || date.IsZero():
		return "Tor exit (" + oh.what + "), time not comparable with the events"
	case dh <= w:
		return "Tor exit at the time of the events (" + oh.what + ", " + signedDays(b.sp, date) + ")"
	default:
		return "was a Tor exit " + signedDays(b.sp, date) + " (" + oh.what + "); outside the ±" +
			humanDuration(w) + " window, so it says little about the time of the events"
	}
}

func dateStr(t time.Time) string {
	if t.IsZero() {
		return "(undated)"
	}
	return t.UTC().Format("2006-01-02")
}

// fromEvents adds the factors the case's own logs support.
func (b *builder) fromEvents(g *agg, f *obsFacts, hits []hit, cr *crossResult, idx int32, keys []string) []hit {
	th := &b.r.m.Thresholds
	rel := b.r.m.EventReliability
	add := func(factor int, text string, cl citeList) {
		rho, _, why := b.weight(rel, "", factor, time.Time{})
		hits = append(hits, hit{factor: factor, rho: rho, why: why, source: "the case's logs, rating " + rel,
			text: text, evidence: b.citeRefs(cl), total: cl.total})
	}
	platformLike := f.storage
	for _, h := range hits {
		if h.factor == fCloudFront || h.factor == fBusiness || h.factor == fPrivacyRelay {
			platformLike = true
		}
	}
	if g.vantage {
		what := "the log was recorded behind a proxy or CDN without a trusted X-Forwarded-For"
		if g.typ == "service" {
			what = "the log names a cloud service (" + g.key + ") as the caller, not a client address"
		}
		add(fVantage, factorLabel[fVantage]+": "+what, g.citesOf(catVantage))
		// Behaviour seen through a proxy belongs to the hidden client.
		return hits
	}
	scanning := g.targetsOver || (g.extras().rejected >= int64(th.ScanTargets) && g.success == 0)
	// Rows 25 and 26 (added to the table of ATTRIBUTION.md): what the
	// source did contains nothing hostile. Every other role is someone
	// carrying the attacker's traffic, so its events almost always contain
	// an attack: failed guesses, alerts, a credential shared with another
	// attacking source. Two patterns are recognised, only for sources seen
	// inbound (never for a destination the victim contacted):
	//   - benign use: at least one successful login or request, no failure
	//     of any kind, no alert, and every credential it used (non-generic
	//     user name, SSH key) used by no other source of the case — an
	//     employee or customer. A successful login with a credential another
	//     source also used (the false-flag slip shares the operator's key
	//     with the VPN exits; the hijacked host reuses the guessed
	//     password) never qualifies.
	//   - reconnaissance only: nothing but unanswered or refused
	//     connections, banner probes that name no user, and scan-detection
	//     alerts; no credential tried, nothing succeeded.
	benign := g.events > 0 && g.extras().outbound == 0
	// A rule that found hostile behaviour (a web-shell command answered
	// 200 is a "success") rules out benign use; only scanning is
	// consistent with reconnaissance only (behaviour.go).
	benignUse := benign && g.success > 0 && g.fail == 0 && g.extras().alerts == 0 && !g.anonymousUse && !cr.sharedCred[idx] && !g.beh.hostile(-1)
	reconOnly := benign && g.nonRecon == 0 && g.success == 0 && !g.beh.hostile(fScanning)
	if benignUse {
		// Rows 10 and 12 tell attacking sources apart (a bot on a home
		// line, a hijacked company server) against noise. Among sources
		// whose activity is a user's own benign use they are not
		// diagnostic — legitimate users work from home lines, phones and
		// company networks — so they are not applied (the conditions of
		// the rows, like row 10's "no proxy flag").
		kept := hits[:0]
		for _, h := range hits {
			if h.factor != fResidential && h.factor != fLegitOrg {
				kept = append(kept, h)
			}
		}
		hits = kept
	}
	switch {
	case benignUse:
		add(fBenignUse, fmt.Sprintf("%s: %d successful event(s), no failure, no alert, credentials used by no other source",
			factorLabel[fBenignUse], g.success), g.citesOf(catAll))
	case reconOnly:
		add(fReconOnly, fmt.Sprintf("%s: %d connection attempt(s) or probe(s), no credential tried, nothing succeeded, no alert beyond scan detection",
			factorLabel[fReconOnly], g.events), g.citesOf(catAll))
	}
	// Row 17 is evidence of dedicated infrastructure only when the sessions
	// are the attack's: a user's own sessions with its own credentials
	// (benign use) are what undetermined sources do, so it is not applied
	// to them.
	if g.interactive > 0 && g.victims.n() <= 1 && !scanning && g.users.n() <= th.FewUsers && !benignUse {
		add(fExclusive, fmt.Sprintf("%s: %d successful logins or long sessions, one victim, %d user name(s), no scanning",
			factorLabel[fExclusive], g.interactive, g.users.n()), g.citesOf(catInteractive))
	}
	if g.tooling && !platformLike {
		add(fTooling, factorLabel[fTooling]+" in alerts on traffic with this source", g.citesOf(catTooling))
	}
	if g.c2 && platformLike {
		add(fSaaSC2, factorLabel[fSaaSC2]+": C2 alerts on traffic to a shared platform", g.citesOf(catC2))
	}
	if g.fronting && platformLike {
		add(fFronting, factorLabel[fFronting]+": TLS SNI differs from the HTTP Host on a CDN address", g.citesOf(catFronting))
	}
	if p, ok := cr.pool[idx]; ok {
		add(fPool, fmt.Sprintf("%s: %s used from %d ASNs within %g minutes", factorLabel[fPool], p.ident, p.asns, th.PoolWindowMinutes),
			g.citesOf(catIdentity))
	}
	if ap, ok := cr.anonPool[idx]; ok {
		// Row 10 holds only without a proxy flag: the pool's flags are
		// one, and they explain the residential address.
		kept := hits[:0]
		for _, h := range hits {
			if h.factor != fResidential {
				kept = append(kept, h)
			}
		}
		hits = kept
		add(fAnonPool, fmt.Sprintf("%s: %d of the %d other pool members are flagged as Tor exits, VPNs or proxies",
			factorLabel[fAnonPool], ap.flagged, ap.others), g.citesOf(catIdentity))
	}
	if sb, ok := cr.sibling[idx]; ok {
		add(fSibling, fmt.Sprintf("%s: %s was also used from %s, flagged as an anonymiser, in the same network %s",
			factorLabel[fSibling], sb.ident, keys[sb.other], f.asnNet), g.citesOf(catIdentity))
	}
	if t, ok := cr.travel[idx]; ok {
		add(fTravel, fmt.Sprintf("%s: %s also used from %s, %.0f km away (after accuracy radii) %.2g h apart: %.0f km/h",
			factorLabel[fTravel], t.ident, keys[t.other], t.km, t.hours, t.kmh), g.citesOf(catIdentity))
	}
	// Domain age (rows 19 and 20): WHOIS creation date against first use.
	if g.typ == "domain" && !f.created.IsZero() && g.timed {
		age := float64(g.first-f.created.UnixNano()) / 8.64e13
		rel, cred := f.createdO.Reliability, ""
		src := fmt.Sprintf("%s %s, rating %s (dataset %s)", f.createdO.Source, dateStr(f.createdO.DatasetDate), rel, f.createdO.Dataset)
		switch {
		case age >= 0 && age < th.FreshDomainDays:
			rho, _, why := b.weight(rel, cred, fFreshDomain, time.Time{})
			text := fmt.Sprintf("%s: registered %s, %.0f days before first use", factorLabel[fFreshDomain], dateStr(f.created), age)
			if f.privacy {
				text += ", behind a WHOIS privacy service"
			}
			hits = append(hits, hit{factor: fFreshDomain, rho: rho, why: why, source: src, text: text,
				evidence: append(b.datasetRef(f.createdO.Dataset), b.citeRefs(g.citesOf(catAll))...), total: 1 + g.events})
		case age >= th.EstablishedDomainDays && g.extras().alerts > 0:
			rho, _, why := b.weight(rel, cred, fEstablishedDomain, time.Time{})
			text := fmt.Sprintf("%s: registered %s, %.0f days before the first alert", factorLabel[fEstablishedDomain], dateStr(f.created), age)
			hits = append(hits, hit{factor: fEstablishedDomain, rho: rho, why: why, source: src, text: text,
				evidence: append(b.datasetRef(f.createdO.Dataset), b.citeRefs(g.citesOf(catAll))...), total: 1 + g.extras().alerts})
		}
	}
	return hits
}
