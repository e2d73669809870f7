package attrib

// Event fields read here (parse.Event.Fields keys), besides the typed fields:
//
//	direction            "outbound": Dst (and host/sni) are the remote party
//	local_orig, local_resp   Zeek's Site::local_nets verdicts: a local
//	                     originator talking to a non-local responder is outbound
//	host, hostname, sni, server_name, query, rrname, domain
//	                     domain names contacted (outbound, dns): Zeek http
//	                     "host", ssl "server_name", dns "query"; Suricata
//	                     http "hostname", tls "sni", dns "rrname"
//	proto, transport     "udp"/"icmp": no handshake, source can be forged
//	src_from, xff_trusted       "x-forwarded-for" without xff_trusted=true: forgeable
//	duration             session length in seconds
//	conn_state           Zeek states S0/REJ/RSTOS0/SH/OTH count as rejected
//	signature, alert.signature, msg, rule   alert text (tooling, C2)
//	user_agent, ua, key_fingerprint, ssh_key, fingerprint, ja3, ja4   identities

import (
	"cmp"
	"hash/maphash"
	"net/netip"
	"strconv"
	"strings"
	"unique"

	"github.com/casefile/casefile/enrich/indicator"
	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/graph/sigma"
)

// maxCites bounds the citations kept per source and category.
const maxCites = 5

const (
	catAll = iota
	catInteractive
	catTooling
	catC2
	catFronting
	catVantage
	catIdentity
	nCat
)

// cite is one event cited. Its artefact is a unique handle, one word
// rather than a string's two: a source keeps up to maxCites of them per
// category, and a case may have a million sources.
type cite struct {
	art       unique.Handle[string]
	line, rec int64
}

func citeOf(e *parse.Event) cite {
	return cite{unique.Make(e.Citation.Artefact), e.Citation.Line, e.Citation.Record}
}

type citeList struct {
	first []cite
	total int64
}

func (c *citeList) add(e *parse.Event) {
	c.total++
	if c.first == nil {
		c.first = make([]cite, 0, maxCites) // one allocation, not four growing ones: there is a list per source
	}
	if len(c.first) < maxCites {
		c.first = append(c.first, citeOf(e))
	}
}

func (c cite) String() string {
	art := c.art.Value()
	switch {
	case c.line > 0:
		return art + "#L" + strconv.FormatInt(c.line, 10)
	case c.rec > 0:
		return art + "#R" + strconv.FormatInt(c.rec, 10)
	}
	return art
}

// smallSet keeps up to a bound of distinct strings and remembers overflow.
type smallSet struct {
	vals []string
	over bool
}

func (s *smallSet) add(v string, bound int) {
	if s.over {
		return
	}
	for _, x := range s.vals {
		if x == v {
			return
		}
	}
	if len(s.vals) >= bound {
		s.over = true
		return
	}
	s.vals = append(s.vals, v)
}

func (s *smallSet) n() int {
	if s.over {
		return len(s.vals) + 1
	}
	return len(s.vals)
}

// oneSet is a smallSet with a bound of 1 without the slice, for the
// victims every source has: the value and how many were seen, 2 for
// more than one.
type oneSet struct {
	v    string
	seen uint8
}

func (s *oneSet) add(v string) {
	switch {
	case s.seen == 0:
		s.v, s.seen = v, 1
	case s.seen == 1 && v != s.v:
		s.seen = 2
	}
}

func (s *oneSet) n() int { return int(s.seen) }

// agg is what the events say about one source, accumulated in one pass.
// A case of a million sources holds a million, so its flags come last,
// together, rather than each padded to a word of its own.
type agg struct {
	key, typ      string
	events        int64
	first, last   int64 // Unix nanoseconds; events == 0 or no time: 0
	success, fail int64
	interactive   int64
	users         smallSet
	victims       oneSet
	targets       []uint64 // hashes of distinct (dst, port), bounded
	// For the benign-activity factors (25 and 26): events that are not
	// reconnaissance (a connection attempt, a pre-authentication probe
	// without a user name, a scan-detection alert), alerts that are not
	// scan detections (extra), and (anonymousUse, below) successful
	// logins without a recorded credential (generic or no user name, no
	// key).
	nonRecon int64
	ext      *extra              // alerts, outbound contacts, …; nil until one is counted
	cites    citeList            // catAll, which every source has
	rare     *[nCat - 1]citeList // the other categories, nil until one is cited
	beh      *behaviour          // what rules found (behaviour.go); nil when nothing
	logins   *loginList          // accounts it signed into (logins.go); nil when none

	timed        bool // some event has a time (first, last)
	targetsOver  bool // more distinct targets than targets keeps
	vantage      bool
	tooling, c2  bool
	fronting     bool
	anonymousUse bool
}

// extra holds the tallies most sources of a large case never need, so
// the aggregate of a source that only tried to log in stays in the
// 256-byte size class: a million sources are a million aggregates.
type extra struct {
	rejected   int64    // connections in a rejected state (rejectedStates)
	spoofable  int64    // inbound events whose source could be forged
	alerts     int64    // IDS alerts, of which
	scanAlerts int64    // scan detections and
	infoAlerts int64    // policy or "not suspicious" alerts (ET POLICY, ET INFO)
	outbound   int64    // events in which this source was the remote party of an outbound contact
	names      smallSet // domain names the victim asked for when it contacted this address
}

// extras is a copy of the source's extra tallies, zero when it has none.
func (g *agg) extras() extra {
	if g.ext == nil {
		return extra{}
	}
	return *g.ext
}

// extra is the source's extra tallies, to count in.
func (g *agg) extra() *extra {
	if g.ext == nil {
		g.ext = new(extra)
	}
	return g.ext
}

// citesOf is the source's citations of one category.
func (g *agg) citesOf(cat int) citeList {
	switch {
	case cat == catAll:
		return g.cites
	case g.rare == nil:
		return citeList{}
	}
	return g.rare[cat-1]
}

// cite adds e to the source's citations of one category. Only catAll is
// kept in the aggregate itself: most sources of a large case never have
// the others, and a million sources are a million aggregates.
func (g *agg) cite(cat int, e *parse.Event) {
	if cat == catAll {
		g.cites.add(e)
		return
	}
	if g.rare == nil {
		g.rare = new([nCat - 1]citeList)
	}
	g.rare[cat-1].add(e)
}

// aggregator builds aggs and identity records from a stream of events.
type aggregator struct {
	r       *resolved
	in      *Input
	index   map[string]int32
	aggs    []*agg
	idIndex map[string]uint32
	// matIndex numbers credential material (an SSH key, an access key id)
	// from 1; 0 is "none seen" (a password).
	matIndex map[string]uint32
	idNames  []string
	recs     []idRec
	seed     maphash.Seed
	// Sigma rules over the events (behaviour.go): the run, the rules that
	// matched the current event, and each rule's factor.
	run     *sigma.Run
	hits    []*sigma.Rule
	classes map[*sigma.Rule]int
	// rules are the rule set's rules in order, numbered by ruleNo, as a
	// sharded assessment's event files name the rules an event matched.
	rules  []*sigma.Rule
	ruleNo map[*sigma.Rule]int
	hitNos []int
	// pass, when set, is the pass of a sharded assessment (shard.go) this
	// aggregator runs: it decides which sources are folded.
	pass *shardPass
}

func newAggregator(r *resolved, in *Input, rules *sigma.Engine) *aggregator {
	a := &aggregator{r: r, in: in, index: map[string]int32{}, idIndex: map[string]uint32{}, matIndex: map[string]uint32{}, seed: maphash.MakeSeed()}
	a.run, a.classes, a.rules, a.ruleNo = rules.Start(), map[*sigma.Rule]int{}, rules.Rules(), map[*sigma.Rule]int{}
	for i, rule := range a.rules {
		a.classes[rule] = behaviourOf(rule)
		a.ruleNo[rule] = i
	}
	return a
}

func (a *aggregator) source(key, typ string) (int32, *agg) {
	if a.pass != nil {
		return a.pass.source(key, typ)
	}
	if i, ok := a.index[key]; ok {
		return i, a.aggs[i]
	}
	i := int32(len(a.aggs))
	a.index[key] = i
	g := &agg{key: key, typ: typ}
	a.aggs = append(a.aggs, g)
	return i, g
}

// typeOf names an indicator's type as in the CLI contract.
func typeOf(s string) string {
	if _, err := netip.ParseAddr(s); err == nil {
		return "ip"
	}
	return "domain"
}

func isSpecialIP(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && indicator.Special(a) != ""
}

// SourcesOf names the remote parties of an event, as the assessment counts
// them (unless Input.Sources says otherwise): for inbound events
// the source address (and a cloud service principal), for outbound events
// (direction=outbound, DNS queries, or a special-range Src talking to a
// global Dst) the destination address and the domain names contacted.
func SourcesOf(e *parse.Event, emit func(indicator, typ string)) {
	outbound := strings.EqualFold(e.Fields["direction"], "outbound") || e.Kind == parse.KindDNS ||
		(e.Src != "" && e.Dst != "" && isSpecialIP(e.Src) && !isSpecialIP(e.Dst)) || answer(e) ||
		(zeekBool(e.Fields["local_orig"]) && e.Fields["local_resp"] != "" && !zeekBool(e.Fields["local_resp"]))
	if !outbound {
		if e.Src != "" {
			emit(e.Src, typeOf(e.Src))
		}
		if e.SrcService != "" {
			emit(e.SrcService, "service")
		}
		return
	}
	remote := e.Dst
	if answer(e) {
		remote = e.Src
	}
	if remote != "" && !isSpecialIP(remote) {
		emit(remote, typeOf(remote))
	}
	for _, k := range nameFields {
		if v := contactedName(e.Fields[k]); v != "" {
			emit(v, "domain")
		}
	}
}

// maxNames bounds the domain names kept per contacted address.
const maxNames = 8

// contactedName is the domain name in an event field, normalised, or "".
func contactedName(v string) string {
	v = strings.ToLower(strings.TrimSuffix(v, "."))
	if h, _, ok := strings.Cut(v, ":"); ok {
		v = h
	}
	if v == "" || typeOf(v) != "domain" || !strings.Contains(v, ".") {
		return ""
	}
	return v
}

// zeekBool reads a Zeek boolean as TSV ("T") or JSON ("true") writes it.
func zeekBool(v string) bool { return v == "T" || v == "true" }

// answer reports whether an event records a global server answering an
// internal client (Suricata's fileinfo records a download from the server's
// side): the source sent from a service port (below 1024) to a client port
// (1024 and above) of a special-purpose (internal) address, so the internal
// host opened the connection.
func answer(e *parse.Event) bool {
	return e.SrcPort > 0 && e.SrcPort < 1024 && e.DstPort >= 1024 && e.Src != "" && e.Dst != "" &&
		!isSpecialIP(e.Src) && isSpecialIP(e.Dst)
}

// nameFields are the event fields that carry a domain name contacted, in
// the names the parsers give them (see the list at the top of this file).
var nameFields = []string{"host", "hostname", "sni", "server_name", "query", "rrname", "domain"}

var rejectedStates = map[string]bool{"S0": true, "REJ": true, "RSTOS0": true, "SH": true, "OTH": true, "RSTRH": true}

// genericUsers are account names every brute-forcer tries; they do not tie
// sources together into a pool.
var genericUsers = map[string]bool{"root": true, "admin": true, "administrator": true, "test": true, "user": true, "guest": true,
	"ubuntu": true, "pi": true, "oracle": true, "postgres": true, "ftp": true, "support": true, "git": true, "mysql": true, "nagios": true,
	"anonymous": true, "": true, "-": true}

func field(e *parse.Event, names ...string) string {
	for _, n := range names {
		if v := e.Fields[n]; v != "" {
			return v
		}
	}
	return ""
}

// add folds one event into the sources it names; a.hits are the plain
// rules it matched (feed).
func (a *aggregator) add(e *parse.Event) {
	emit := func(key, typ string) {
		inbound := (key == e.Src && !answer(e)) || key == e.SrcService
		if a.pass != nil {
			a.pass.emit(a, key, typ, e, inbound)
			return
		}
		idx, g := a.source(key, typ)
		a.fold(idx, g, e, inbound)
	}
	if a.in.Sources != nil {
		a.in.Sources(e, emit)
	} else {
		SourcesOf(e, emit)
	}
	if a.pass != nil && len(a.pass.pend) > 0 {
		a.pass.write(a, e)
	}
}

// hitNumbers numbers the rules the current event matched (a.hits) by
// their place in the rule set.
func (a *aggregator) hitNumbers() []int {
	a.hitNos = a.hitNos[:0]
	for _, r := range a.hits {
		a.hitNos = append(a.hitNos, a.ruleNo[r])
	}
	return a.hitNos
}

func (a *aggregator) fold(idx int32, g *agg, e *parse.Event, inbound bool) {
	th := &a.r.m.Thresholds
	g.events++
	if !e.Time.IsZero() {
		t := e.Time.UnixNano()
		if !g.timed || t < g.first {
			g.first = t
		}
		if !g.timed || t > g.last {
			g.last = t
		}
		g.timed = true
	}
	g.cite(catAll, e)
	if len(a.hits) > 0 {
		g.ruleHits(a.hits, a.classes, e)
	}
	switch e.Outcome {
	case parse.OutcomeSuccess:
		g.success++
	case parse.OutcomeFailure:
		g.fail++
	}
	if e.User != "" {
		g.users.add(e.User, th.FewUsers)
	}
	victim := e.Dst
	if g.key == e.Dst {
		victim = e.Src
	}
	g.victims.add(victim)
	if !g.targetsOver {
		var h maphash.Hash
		h.SetSeed(a.seed)
		h.WriteString(e.Dst)
		h.WriteString(strconv.Itoa(e.DstPort))
		v := h.Sum64()
		seen := false
		for _, x := range g.targets {
			if x == v {
				seen = true
				break
			}
		}
		if !seen {
			if len(g.targets) >= th.ScanTargets {
				g.targetsOver = true
			} else {
				g.targets = append(g.targets, v)
			}
		}
	}
	if rejectedStates[strings.ToUpper(e.Fields["conn_state"])] {
		g.extra().rejected++
	}
	long := false
	if v := e.Fields["duration"]; v != "" { // ParseFloat's error for "" is an allocation per event
		if d, err := strconv.ParseFloat(v, 64); err == nil && d >= th.LongSessionSeconds {
			long = true
		}
	}
	if isLogin(e) {
		g.addLogin(e)
	}
	if long || (e.Outcome == parse.OutcomeSuccess && (e.Kind == parse.KindAuth || e.Kind == parse.KindAPI)) {
		g.interactive++
		g.cite(catInteractive, e)
	}
	if !isRecon(e) {
		g.nonRecon++
	}
	if !inbound {
		x := g.extra()
		x.outbound++
		if g.typ == "ip" {
			for _, k := range nameFields {
				if v := contactedName(e.Fields[k]); v != "" {
					x.names.add(v, maxNames)
				}
			}
		}
	}
	if e.Outcome == parse.OutcomeSuccess && (e.Kind == parse.KindAuth || e.Kind == parse.KindAPI) &&
		genericUsers[strings.ToLower(e.User)] && field(e, "key_fingerprint", "ssh_key", "fingerprint") == "" {
		g.anonymousUse = true
	}
	if inbound && spoofable(e) {
		g.extra().spoofable++
	}
	if e.Kind == parse.KindAlert {
		x := g.extra()
		x.alerts++
		sig := field(e, "signature", "alert.signature", "msg", "rule", "rule_name")
		if scanAlert(e) {
			x.scanAlerts++
		} else if informational(e) {
			x.infoAlerts++
		}
		if hasPhrase(sig, toolingWords) {
			g.tooling = true
			g.cite(catTooling, e)
		}
		if hasToken(sig, c2Words) || hasPhrase(sig, []string{"command and control", "c&c"}) || hasPhrase(sig, toolingWords) {
			g.c2 = true
			g.cite(catC2, e)
		}
	} else if strings.EqualFold(e.Fields["c2"], "true") {
		g.c2 = true
		g.cite(catC2, e)
	}
	if sni, host := field(e, "sni", "server_name"), field(e, "host", "hostname"); sni != "" && host != "" && !strings.EqualFold(sni, host) {
		g.fronting = true
		g.cite(catFronting, e)
	}
	if inbound && (e.SrcService != "" && g.key == e.SrcService || a.in.VantageProxy[e.Citation.Artefact]) {
		g.vantage = true
		g.cite(catVantage, e)
	}
	if usesIdentity(e, inbound) {
		a.identities(idx, g, e)
	}
}

// usesIdentity reports whether an event tells which credentials, keys or
// client fingerprints a source used (identities).
func usesIdentity(e *parse.Event, inbound bool) bool {
	return inbound && (e.Kind == parse.KindAuth || e.Kind == parse.KindAPI)
}

// scanAlert reports whether an alert only detects scanning: an Emerging
// Threats or Snort GPL "SCAN" rule, or the classification "Detection of a
// Network Scan".
func scanAlert(e *parse.Event) bool {
	sig := words(field(e, "signature", "alert.signature", "msg", "rule", "rule_name"))
	if len(sig) >= 2 && (sig[0] == "et" || sig[0] == "gpl" || sig[0] == "etpro") && sig[1] == "scan" {
		return true
	}
	return hasPhrase(field(e, "category", "classification"), []string{"network scan"})
}

// informational reports whether an alert only notes policy or inventory
// (Emerging Threats "POLICY" and "INFO" rules, the classification "Not
// Suspicious Traffic"): not evidence of hostility.
func informational(e *parse.Event) bool {
	sig := words(field(e, "signature", "alert.signature", "msg", "rule", "rule_name"))
	if len(sig) >= 2 && (sig[0] == "et" || sig[0] == "gpl" || sig[0] == "etpro") && (sig[1] == "policy" || sig[1] == "info") {
		return true
	}
	return hasPhrase(field(e, "category", "classification"), []string{"not suspicious"})
}

// isRecon reports whether an event is reconnaissance at most: a network
// flow that was refused or unanswered or carried nothing from the source,
// an authentication-layer event that names no user and did not
// succeed (a banner grab, a dropped or refused handshake), or a scan
// detection alert.
func isRecon(e *parse.Event) bool {
	switch e.Kind {
	case parse.KindFlow:
		// Unanswered or refused, or nothing sent: a probe, not a session.
		return rejectedStates[strings.ToUpper(e.Fields["conn_state"])] ||
			field(e, "orig_bytes", "bytes_toserver") == "0"
	case parse.KindAuth:
		return e.User == "" && e.Outcome != parse.OutcomeSuccess
	case parse.KindAlert:
		return scanAlert(e)
	}
	return false
}

func spoofable(e *parse.Event) bool {
	switch strings.ToLower(field(e, "proto", "transport")) {
	case "udp", "icmp":
		return true
	}
	return strings.EqualFold(e.Fields["src_from"], "x-forwarded-for") && !strings.EqualFold(e.Fields["xff_trusted"], "true")
}

// identities records which credentials, keys and client fingerprints the
// source used, for the cross-source factors, and cites the event on g.
// A sharded assessment records them in its census (g nil: the source is
// not folded there) and only cites them in its shard passes.
func (a *aggregator) identities(idx int32, g *agg, e *parse.Event) {
	var t int64
	if !e.Time.IsZero() {
		t = e.Time.UnixNano()
	} else {
		return
	}
	ok := e.Outcome == parse.OutcomeSuccess
	got := false
	f := identityFieldsOf(e)
	var mat uint32 // the secret behind an account use, when the log names it
	if m := cmp.Or(f.key, f.accessKey); m != "" && (a.pass == nil || a.pass.census) {
		if mat = a.matIndex[m]; mat == 0 {
			mat = uint32(len(a.matIndex) + 1)
			a.matIndex[m] = mat
		}
	}
	rec := func(kind, v string) {
		if v == "" {
			return
		}
		if a.pass != nil && !a.pass.census {
			got = true
			return
		}
		k := kind + ":" + v
		id, found := a.idIndex[k]
		if !found {
			id = uint32(len(a.idNames))
			a.idIndex[k] = id
			a.idNames = append(a.idNames, k)
		}
		r := idRec{id: id, src: uint32(idx), t: t, success: ok, attempt: ok || e.Outcome == parse.OutcomeFailure}
		if kind == "user" {
			r.mat = mat
		}
		a.recs = append(a.recs, r)
		got = true
	}
	if u := e.User; !genericUsers[strings.ToLower(u)] {
		rec("user", u)
	}
	rec("ssh-key", f.key)
	rec("user-agent", f.agent)
	rec("ja3", f.ja3)
	if got && g != nil {
		g.cite(catIdentity, e)
	}
}

// identityFields are the event fields identities reads, each the first
// non-empty of its names (as field would give it): the key fingerprint
// (key_fingerprint, ssh_key, fingerprint), the access key id, the user
// agent (user_agent, useragent, ua) and the TLS fingerprint (ja3, ja4,
// ja3_hash).
type identityFields struct {
	key, accessKey, agent, ja3 string
}

// identityFieldsOf reads them in one pass over the event's fields: a
// lookup of each of the eleven names was a tenth of the census's work at
// 10^8 events (most events have none of them).
func identityFieldsOf(e *parse.Event) identityFields {
	var f identityFields
	var keyAt, agentAt, ja3At = 3, 3, 3 // the place of the name taken, in its list
	take := func(dst *string, at *int, place int, v string) {
		if place < *at {
			*dst, *at = v, place
		}
	}
	for k, v := range e.Fields {
		if v == "" {
			continue
		}
		switch k {
		case "key_fingerprint":
			take(&f.key, &keyAt, 0, v)
		case "ssh_key":
			take(&f.key, &keyAt, 1, v)
		case "fingerprint":
			take(&f.key, &keyAt, 2, v)
		case "access_key_id":
			f.accessKey = v
		case "user_agent":
			take(&f.agent, &agentAt, 0, v)
		case "useragent":
			take(&f.agent, &agentAt, 1, v)
		case "ua":
			take(&f.agent, &agentAt, 2, v)
		case "ja3":
			take(&f.ja3, &ja3At, 0, v)
		case "ja4":
			take(&f.ja3, &ja3At, 1, v)
		case "ja3_hash":
			take(&f.ja3, &ja3At, 2, v)
		}
	}
	return f
}
