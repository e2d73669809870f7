package attrib

// This file is the only place in graph that knows which observation fields
// the factors read. The names Casefile's own enrichers write are enrich's
// Field constants (enrich/fields.go); the other names here ("org_name",
// "exit", "c2", "country.iso_code" …) are those of datasets read
// generically (an mmdb flattened by enrich/geoip, a scan export).
//
// Every field is looked up by get(), which accepts a nested map
// ("location" → {"latitude": …}), a dotted key ("location.latitude"), an
// underscored key ("location_latitude") or the last segment alone
// ("latitude"). Booleans may be bool or "true"; numbers any Go number,
// json.Number or a decimal string; times time.Time, RFC 3339, "2006-01-02"
// or Unix seconds.

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/casefile/casefile/enrich"
)

// obsHit is one observation that supports a factor.
type obsHit struct {
	factor int
	obs    *enrich.Observation
	what   string // what the source said, in its own words
	cred   int    // Admiralty credibility for this item; 0 = factor default
	kind   string // half-life kind for this item; "" = the factor's own
}

// obsFacts is everything the observations of one indicator say.
type obsFacts struct {
	hits     []obsHit
	asn      uint64
	asnOrg   string
	asnObs   *enrich.Observation // the observation that named asnOrg
	asnNet   string              // the network the ASN database matched (an announced block)
	geo      bool
	lat, lon float64
	radiusKm float64
	org      string // owner from WHOIS or ISP data
	abuse    string
	created  time.Time // domain creation (WHOIS)
	createdO *enrich.Observation
	privacy  bool   // WHOIS privacy service
	whoisOrg string // the WHOIS organisation that gave row 12
	storage  bool   // a storage or SaaS platform (C2 over it is factor 21)
	special  string
	country  string // ISO code of the country a geolocation dataset names
	// what was consulted at all, for "what would change this judgement"
	sawTor, sawAnon, sawASN, sawGeo, sawWHOIS, sawRanges bool
}

// anonymiser reports whether some dataset flags the indicator as a Tor
// exit, VPN, residential or public proxy, or privacy relay.
func (f *obsFacts) anonymiser() bool {
	for _, h := range f.hits {
		switch h.factor {
		case fTorExit, fVPN, fResProxy, fPubProxy, fPrivacyRelay:
			return true
		}
	}
	return false
}

// readObservations maps observations to factor candidates.
func readObservations(obs []enrich.Observation, f *obsFacts) {
	for i := range obs {
		o := &obs[i]
		fl := o.Fields
		add := func(factor int, what string, cred int) {
			f.hits = append(f.hits, obsHit{factor: factor, obs: o, what: what, cred: cred})
		}
		// MaxMind Anonymous-IP and similar flags, whatever the source type.
		for _, k := range []string{enrich.FieldIsAnonymous, enrich.FieldIsAnonymousVPN, enrich.FieldIsTorExitNode, enrich.FieldIsPublicProxy, enrich.FieldIsResidentialProxy, enrich.FieldIsHostingProvider} {
			if _, ok := get(fl, k); ok {
				f.sawAnon = true
			}
		}
		if getBool(fl, enrich.FieldIsTorExitNode) {
			add(fTorExit, enrich.FieldIsTorExitNode, 0)
		}
		if getBool(fl, enrich.FieldIsAnonymousVPN) {
			add(fVPN, enrich.FieldIsAnonymousVPN, 0)
		}
		if getBool(fl, enrich.FieldIsResidentialProxy) {
			add(fResProxy, enrich.FieldIsResidentialProxy, 0)
		}
		if getBool(fl, enrich.FieldIsPublicProxy) {
			add(fPubProxy, enrich.FieldIsPublicProxy, 0)
		}
		if getBool(fl, enrich.FieldIsHostingProvider) {
			add(fHosting, enrich.FieldIsHostingProvider, 0)
		}
		if getBool(fl, "is_tor_relay") {
			add(fTorRelay, "is_tor_relay", 0)
		}
		if n, ok := getNum(fl, enrich.FieldASN); ok && n > 0 {
			f.asn, f.sawASN = uint64(n), true
			if o.Network != "" {
				f.asnNet = o.Network
			}
		}
		if s := getStr(fl, enrich.FieldASOrg); s != "" {
			f.asnOrg, f.asnObs = s, o
			if hasToken(s, hostingWords) {
				add(fHosting, "AS organisation "+strconv.Quote(s), 3)
			}
		}
		if s := getStr(fl, enrich.FieldISP, enrich.FieldOrganization); s != "" && f.org == "" {
			f.org = s
		}
		switch ct := strings.ToLower(getStr(fl, enrich.FieldConnectionType)); ct {
		case "cable/dsl", "cellular", "dialup":
			add(fResidential, "connection_type "+ct, 0)
		}
		switch ut := strings.ToLower(getStr(fl, enrich.FieldUserType)); ut {
		case "hosting":
			add(fHosting, "user_type hosting", 0)
		case "content_delivery_network":
			add(fCloudFront, "user_type content_delivery_network", 0)
		case "search_engine_spider":
			add(fBusiness, "user_type search_engine_spider", 0)
		case "university", "school", "government", "library", "military":
			add(fLegitOrg, "user_type "+ut, 0)
		case "residential", "cellular":
			add(fResidential, "user_type "+ut, 0)
		}
		if lat, ok := getNum(fl, "location.latitude"); ok {
			if lon, ok := getNum(fl, "location.longitude"); ok {
				f.geo, f.sawGeo, f.lat, f.lon = true, true, lat, lon
				f.radiusKm, _ = getNum(fl, "location.accuracy_radius")
			}
		}
		if c := getStr(fl, "country.iso_code"); c != "" {
			f.country = c
			add(fCountry, "country "+c, 0)
		}
		// Scan data (open ports, tags) and threat-intelligence classifications.
		if exposedPorts(fl) {
			add(fSOHO, "exposes router or proxy services", 0)
		}
		switch strings.ToLower(getStr(fl, "classification")) {
		case "malicious":
			add(fMalScanner, "classification malicious", 0)
		case "benign":
			add(fResearchScanner, "classification benign", 0)
		}
		if tags := getStr(fl, enrich.FieldTags); hasPhrase(tags, toolingWords) || getBool(fl, "c2") {
			add(fTooling, "tags "+strconv.Quote(tags), 0)
		}

		switch o.SourceType {
		case enrich.TypeTorExits:
			f.sawTor = true
			if v, ok := get(fl, "exit"); ok && !truthy(v) {
				add(fTorRelay, "listed as a relay without exit", 1)
			} else {
				add(fTorExit, "listed in the exit list", 0)
			}
		case enrich.TypeCloudRanges:
			f.sawRanges = true
			readRanges(o, f, add)
		case enrich.TypeWarninglist:
			readWarninglist(o, f, add)
		case enrich.TypeWHOIS:
			f.sawWHOIS = true
			// enrich/whois names the owner FieldOrg for addresses and
			// FieldRegistrantOrg for domains, and says FieldPrivacy (a bool)
			// when the registrar or a proxy service hides the registrant.
			if getBool(fl, enrich.FieldPrivacy) {
				f.privacy = true
			}
			if s := getStr(fl, enrich.FieldOrg, enrich.FieldRegistrantOrg, "org_name", enrich.FieldOrganization, "owner", "registrant"); s != "" {
				f.org = s
				if hasPhrase(s, privacyWords) {
					f.privacy = true
				} else if hasToken(s, institutionWords) || hasToken(s, companyWords) {
					add(fLegitOrg, "WHOIS organisation "+strconv.Quote(s), 0)
					f.whoisOrg = s
				}
			}
			if s := getStr(fl, enrich.FieldAbuseEmail, "abuse"); s != "" {
				f.abuse = s
			}
			if t, ok := getTime(fl, enrich.FieldCreated, "creation_date", "registered"); ok {
				f.created, f.createdO = t, o
			}
		case enrich.TypeBuiltin:
			if s := getStr(fl, enrich.FieldSpecial); s != "" {
				f.special = s
			}
		}
	}
	finishFacts(f)
}

// readRanges maps a cloud provider's published range to a factor.
func readRanges(o *enrich.Observation, f *obsFacts, add func(int, string, int)) {
	var services []string
	if s := getStr(o.Fields, enrich.FieldService); s != "" {
		services = append(services, s)
	}
	if v, ok := get(o.Fields, enrich.FieldServices); ok {
		services = append(services, strList(v)...)
	}
	name := strings.ToLower(o.Source)
	if strings.Contains(name, "private-relay") || strings.Contains(name, "icloud") {
		add(fPrivacyRelay, "listed in "+o.Source, 0)
		return
	}
	front, compute := "", ""
	for _, s := range services {
		u := strings.ToUpper(s)
		switch {
		case u == "ICLOUD_PRIVATE_RELAY":
			add(fPrivacyRelay, "service "+s, 0)
			return
		case frontServices[u] || strings.HasPrefix(u, "AZUREFRONTDOOR") || strings.HasPrefix(u, "STORAGE"):
			front = s
			if storageServices[u] || strings.HasPrefix(u, "STORAGE") {
				f.storage = true
			}
		default:
			compute = s
		}
	}
	switch {
	case front != "":
		add(fCloudFront, "service "+front, 0)
	case compute != "" || len(services) == 0:
		add(fHosting, "cloud compute range "+compute, 0)
	}
}

// readWarninglist maps a MISP warninglist to a factor. The list is known by
// its id (the observation's Source, "misp:<id>"), its name (Fields "list" or
// "name") and an optional "category". These are matched as whole words or
// word sequences ("tor" matches "tor-exit-nodes" and "List of Tor exits", but
// not "storage" or "monitoring"): a list is identified by what it says it
// is, never by a fragment of another word. The description is not read: it
// may mention other lists ("not a Tor list").
//
// Data kinds: most lists carry the factor's own half-life (a Tor list decays
// like a Tor list). Lists of research scanners are different: they are
// publications of the address ranges an organisation (a research project, a
// search engine) scans from, like a cloud provider's ranges, not
// observations of scanning activity, so they decay with the "cloud-ranges"
// half-life. The 7-day "scanner" half-life is for observed activity (a
// threat-intelligence "classification benign/malicious" with a last-seen
// date).
func readWarninglist(o *enrich.Observation, f *obsFacts, add func(int, string, int)) {
	listName := getStr(o.Fields, enrich.FieldList, "name")
	norm := " " + strings.Join(words(listName+" "+getStr(o.Fields, "category")+" "+o.Source), " ") + " "
	what := "warninglist " + strings.TrimSpace(listName)
	if what == "warninglist" {
		what = "warninglist " + o.Source
	}
	has := func(names ...string) bool {
		for _, w := range names {
			if strings.Contains(norm, " "+strings.Join(words(w), " ")+" ") {
				return true
			}
		}
		return false
	}
	switch {
	case has("rfc1918", "rfc5735", "rfc6598", "rfc3849", "multicast", "link-local", "linklocal", "bogon", "bogons"):
		if f.special == "" {
			f.special = "reserved range (" + strings.TrimSpace(what) + ")"
		}
	case has("private-relay", "icloud"):
		add(fPrivacyRelay, what, 0)
	case has("tor"):
		f.sawTor = true
		add(fTorExit, what, 0)
	case has("vpn", "vpns"):
		add(fVPN, what, 0)
	case has("proxy", "proxies"):
		add(fPubProxy, what, 0)
	case has("scanning", "scanner", "scanners"):
		f.hits = append(f.hits, obsHit{factor: fResearchScanner, obs: o, what: what, kind: "cloud-ranges"})
	case has("cloudflare", "akamai", "fastly", "cdn", "cdns", "cloudfront", "stackpath"):
		add(fCloudFront, what, 0)
	case has("dropbox", "github", "slack", "telegram", "discord", "pastebin", "onedrive", "sharepoint", "google-workspace", "saas", "storage", "file-hosting"):
		f.storage = true
		add(fBusiness, what, 0)
	case has("public-dns", "dns-resolvers", "crawler", "crawlers", "bot", "bots", "googlebot", "smtp", "mail", "office365", "sinkhole", "sinkholes"):
		add(fBusiness, what, 0)
	case has("amazon", "aws", "gcp", "google-cloud", "azure", "oracle", "digitalocean", "ovh", "linode", "hetzner", "vultr", "cloud"):
		add(fHosting, what, 0)
	}
}

// words splits s into lower-case words (runs of letters and digits).
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	})
}

// finishFacts adds the owner inferred from the AS organisation when WHOIS
// did not name one.
//
// It also withdraws row 12 when the WHOIS organisation is the access
// network's own operator (the same name as the AS organisation) on a
// residential or cellular line: the holder of a consumer ISP's range is the
// ISP, which does not run the device behind the address. A company's or
// university's own assignment (a name other than the carrier's) keeps it.
func finishFacts(f *obsFacts) {
	if f.whoisOrg != "" && f.asnOrg != "" && slices.Equal(words(f.whoisOrg), words(f.asnOrg)) {
		residential := false
		for _, h := range f.hits {
			residential = residential || h.factor == fResidential
		}
		if residential {
			f.hits = slices.DeleteFunc(f.hits, func(h obsHit) bool {
				return h.factor == fLegitOrg && h.obs != nil && h.obs.SourceType == enrich.TypeWHOIS
			})
		}
	}
	for _, h := range f.hits {
		if h.factor == fLegitOrg {
			return
		}
	}
	if f.asnOrg != "" && hasToken(f.asnOrg, institutionWords) {
		f.hits = append(f.hits, obsHit{factor: fLegitOrg, obs: f.asnObs, what: "AS organisation " + strconv.Quote(f.asnOrg), cred: 3})
	}
}

// conditional applies the conditions of the factor table that depend on
// other facts: residential access counts only without a proxy, VPN or Tor
// flag (row 10); exposure of router services only on a residential or SOHO
// address (row 11); ownership by an unrelated organisation only when nothing
// says hosting, cloud, anonymiser or known service (row 12). current tells
// whether a fact held at the time of the events (not decayed below half), so
// that a stale Tor entry does not hide today's owner.
func conditional(hits []hit) []hit {
	has := map[int]bool{}
	for _, h := range hits {
		if h.stale == 0 || h.stale >= 0.5 {
			has[h.factor] = true
		}
	}
	anon := has[fTorExit] || has[fVPN] || has[fResProxy] || has[fPubProxy] || has[fPrivacyRelay]
	hostingLike := has[fHosting] || has[fCloudFront] || has[fBusiness] || anon
	out := hits[:0]
	for _, h := range hits {
		switch {
		case h.factor == fResidential && anon:
			continue
		case h.factor == fSOHO && !has[fResidential]:
			continue
		case h.factor == fLegitOrg && hostingLike:
			continue
		}
		out = append(out, h)
	}
	return out
}

// frontServices are cloud services whose addresses are shared front ends.
var frontServices = map[string]bool{
	"CLOUDFRONT": true, "CLOUDFRONT_ORIGIN_FACING": true, "API_GATEWAY": true, "GLOBALACCELERATOR": true,
	"S3": true, "DYNAMODB": true, "ROUTE53": true, "ROUTE53_HEALTHCHECKS": true, "ROUTE53_RESOLVER": true,
	"AMAZON_APPFLOW": true, "KINESIS_VIDEO_STREAMS": true, "EBS": true, "WORKSPACES_GATEWAYS": true,
	"CHIME_MEETINGS": true, "CHIME_VOICECONNECTOR": true, "AMAZON_CONNECT": true, "CLOUD9": true,
	"GOOGLE": true, "CLOUD STORAGE": true, "AZURESTORAGE": true,
}

// storageServices are front ends that carry customer data (C2 channels).
var storageServices = map[string]bool{"S3": true, "API_GATEWAY": true, "DYNAMODB": true, "CLOUD STORAGE": true, "AZURESTORAGE": true}

var (
	hostingWords     = []string{"hosting", "host", "hostinger", "cloud", "datacenter", "datacentre", "dedicated", "server", "servers", "vps", "colocation", "digitalocean", "ovh", "hetzner", "linode", "vultr", "choopa", "leaseweb", "contabo", "m247", "amazon", "alibaba", "tencent", "scaleway"}
	institutionWords = []string{"university", "universitaet", "universität", "universite", "université", "universidad", "università", "universiteit", "college", "school", "academy", "hospital", "ministry", "government", "gov", "municipality", "library", "edu"}
	companyWords     = []string{"ltd", "limited", "gmbh", "inc", "llc", "plc", "sarl", "bv", "corp", "corporation", "company", "kg", "srl", "spa", "oy"}
	privacyWords     = []string{"privacy", "redacted", "whoisguard", "domains by proxy", "withheld", "data protected", "contact privacy"}
	toolingWords     = []string{"cobalt strike", "cobaltstrike", "metasploit", "meterpreter", "sliver", "havoc", "mythic", "brute ratel", "covenant", "teamserver", "team server", "poshc2", "c2 server"}
	c2Words          = []string{"c2", "c&c", "cnc", "command and control", "beacon"}
	exposedPortList  = map[int]bool{23: true, 2323: true, 7547: true, 8291: true, 1080: true, 3128: true, 8080: true, 4145: true}
	exposedTagWords  = []string{"telnet", "tr-069", "tr069", "router", "mikrotik", "soho", "open proxy", "socks"}
)

func exposedPorts(fl map[string]any) bool {
	if v, ok := get(fl, enrich.FieldPorts); ok {
		for _, p := range strList(v) {
			if n, err := strconv.Atoi(p); err == nil && exposedPortList[n] {
				return true
			}
		}
	}
	if v, ok := get(fl, "open_ports"); ok {
		for _, p := range strList(v) {
			if n, err := strconv.Atoi(p); err == nil && exposedPortList[n] {
				return true
			}
		}
	}
	return hasPhrase(getStr(fl, enrich.FieldTags), exposedTagWords)
}

// get looks a field up in the forms described at the top of this file.
func get(m map[string]any, name string) (any, bool) {
	if m == nil {
		return nil, false
	}
	if v, ok := m[name]; ok {
		return v, true
	}
	if strings.IndexByte(name, '.') < 0 {
		return nil, false // most names are looked up so, for each observation: no split
	}
	parts := strings.Split(name, ".")
	var cur any = m
	for _, p := range parts {
		mm, ok := cur.(map[string]any)
		if !ok {
			cur = nil
			break
		}
		cur, ok = mm[p]
		if !ok {
			cur = nil
			break
		}
	}
	if cur != nil {
		return cur, true
	}
	if v, ok := m[strings.Join(parts, "_")]; ok {
		return v, true
	}
	v, ok := m[parts[len(parts)-1]]
	return v, ok
}

func getStr(m map[string]any, names ...string) string {
	for _, n := range names {
		if v, ok := get(m, n); ok {
			switch x := v.(type) {
			case string:
				if x != "" {
					return x
				}
			case []any, []string:
				if l := strList(x); len(l) > 0 {
					return strings.Join(l, ",")
				}
			case map[string]any:
				if s, ok := x["names"].(map[string]any); ok { // MaxMind {"names": {"en": …}}
					if en, ok := s["en"].(string); ok {
						return en
					}
				}
			default:
				return stringify(x)
			}
		}
	}
	return ""
}

func getBool(m map[string]any, name string) bool {
	v, ok := get(m, name)
	return ok && truthy(v)
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		b, _ := strconv.ParseBool(x)
		return b
	}
	return false
}

func getNum(m map[string]any, name string) (float64, bool) {
	v, ok := get(m, name)
	if !ok {
		return 0, false
	}
	return toFloat(v)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint64:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint16:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

func getTime(m map[string]any, names ...string) (time.Time, bool) {
	for _, n := range names {
		v, ok := get(m, n)
		if !ok {
			continue
		}
		switch x := v.(type) {
		case time.Time:
			return x, !x.IsZero()
		case string:
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05", "2006-01-02"} {
				if t, err := time.Parse(layout, strings.TrimSpace(x)); err == nil {
					return t, true
				}
			}
		default:
			if f, ok := toFloat(x); ok && f > 0 {
				return time.Unix(int64(f), 0).UTC(), true
			}
		}
	}
	return time.Time{}, false
}

func strList(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, stringify(e))
		}
		return out
	case string:
		return strings.FieldsFunc(x, func(r rune) bool { return r == ',' || r == ' ' })
	}
	return []string{stringify(v)}
}

func stringify(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	}
	if f, ok := toFloat(v); ok {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// hasToken reports whether s contains one of list as a whole word (see
// words).
func hasToken(s string, list []string) bool {
	for _, t := range words(s) {
		for _, w := range list {
			if t == w {
				return true
			}
		}
	}
	return false
}

// hasPhrase reports whether s contains one of the phrases (lower case).
func hasPhrase(s string, phrases []string) bool {
	if s == "" {
		return false
	}
	s = strings.ToLower(s)
	for _, p := range phrases {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
