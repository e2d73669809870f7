package triage

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/casefile/casefile/graph/attrib"
)

// Filter selects rows. The zero Filter selects every row. Each field is
// one query parameter of the sources page and of /api/v1/sources (Params).
type Filter struct {
	Q          string // text in the indicator
	Role       string // the model's role; RoleJudged: any of the five roles
	Confidence string // high, moderate, low
	Country    string // ISO code, any case
	ASN        uint64
	Org        string // text in the AS organisation or the owner, any case
	Kind       string // has events of this kind
	Campaign   string
	Verdict    string // an examiner's role; "any": some verdict; "none": no verdict
	Logins     bool   // has successful logins
	RuleHits   bool   // rules matched some of its events
	Acted      bool   // rules caught it acting (what it did is known)
}

// RoleJudged as a role filter selects the sources judged by the roles:
// neither internal nor a destination the victim contacted.
const RoleJudged = "judged"

// Params are the query parameters of a filter, in the page's order.
var Params = []string{"q", "role", "confidence", "country", "asn", "org", "kind", "campaign", "verdict", "logins", "rules", "acted"}

// ParseFilter reads a filter from query parameters; values it cannot use
// (an ASN that is not a number) select nothing rather than everything.
func ParseFilter(v url.Values) Filter {
	g := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	f := Filter{Q: g("q"), Role: g("role"), Confidence: strings.ToLower(g("confidence")), Country: strings.ToUpper(g("country")),
		Org: g("org"), Kind: g("kind"), Campaign: g("campaign"), Verdict: g("verdict"),
		Logins: g("logins") == "1", RuleHits: g("rules") == "1", Acted: g("acted") == "1"}
	if a := strings.TrimPrefix(strings.ToUpper(g("asn")), "AS"); a != "" {
		n, err := strconv.ParseUint(a, 10, 64)
		if err != nil || n == 0 {
			n = ^uint64(0) // no row has it
		}
		f.ASN = n
	}
	return f
}

// Values is the filter as query parameters (only those set), so that
// paging and sort links keep it and a saved view can name it.
func (f Filter) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	flag := func(k string, b bool) {
		if b {
			v.Set(k, "1")
		}
	}
	set("q", f.Q)
	set("role", f.Role)
	set("confidence", f.Confidence)
	set("country", f.Country)
	set("asn", f.ASNText())
	set("org", f.Org)
	set("kind", f.Kind)
	set("campaign", f.Campaign)
	set("verdict", f.Verdict)
	flag("logins", f.Logins)
	flag("rules", f.RuleHits)
	flag("acted", f.Acted)
	return v
}

// ASNText is the ASN filter as typed back into the form ("" for none).
func (f Filter) ASNText() string {
	switch f.ASN {
	case 0:
		return ""
	case ^uint64(0):
		return "invalid"
	}
	return strconv.FormatUint(f.ASN, 10)
}

// Empty reports whether the filter selects every row.
func (f Filter) Empty() bool { return f == Filter{} }

// Match reports whether r passes the filter.
func (f *Filter) Match(r *Row) bool {
	switch {
	case f.Q != "" && !strings.Contains(r.Indicator, f.Q),
		f.Role == RoleJudged && !attrib.IsRole(r.Role),
		f.Role != "" && f.Role != RoleJudged && r.Role != f.Role,
		f.Confidence != "" && !strings.EqualFold(r.Confidence, f.Confidence),
		f.Country != "" && !strings.EqualFold(r.Country, f.Country),
		f.ASN != 0 && r.ASN != f.ASN,
		f.Org != "" && !containsFold(r.ASOrg, f.Org) && !containsFold(r.Org, f.Org),
		f.Kind != "" && r.Kinds.Get(f.Kind) == 0,
		f.Campaign != "" && r.Campaign != f.Campaign,
		f.Logins && r.Logins == 0,
		f.RuleHits && r.RuleHits == 0,
		f.Acted && len(r.Did) == 0:
		return false
	}
	switch f.Verdict {
	case "":
		return true
	case "any":
		return r.Verdict != ""
	case "none":
		return r.Verdict == ""
	}
	return r.Verdict == f.Verdict
}

func containsFold(s, sub string) bool {
	return s != "" && strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// SortKeys are the columns the table sorts on.
var SortKeys = []string{"indicator", "asn", "org", "country", "first", "last", "events", "logins", "rules", "campaign", "role", "probability", "confidence", "risk", "verdict"}

// ValidSort reports whether key is one of SortKeys.
func ValidSort(key string) bool { return slices.Contains(SortKeys, key) }

// Order returns the indexes of rows sorted by key (ties by indicator, so
// that pages are stable). Rows without a value for key (no ASN, no
// country) come last in either direction.
func Order(rows []Row, key string, desc bool) []int {
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(x, y int) int {
		a, b := &rows[x], &rows[y]
		ea, eb := missing(a, key), missing(b, key)
		if ea != eb {
			if ea {
				return 1
			}
			return -1
		}
		c := compare(a, b, key)
		if desc {
			c = -c
		}
		if c == 0 {
			c = strings.Compare(a.Indicator, b.Indicator)
		}
		return c
	})
	return idx
}

func missing(r *Row, key string) bool {
	switch key {
	case "asn":
		return r.ASN == 0
	case "org":
		return r.ASOrg == "" && r.Org == ""
	case "country":
		return r.Country == ""
	case "first":
		return r.FirstSeen == nil
	case "last":
		return r.LastSeen == nil
	case "campaign":
		return r.Campaign == ""
	case "verdict":
		return r.Verdict == ""
	}
	return false
}

func compare(a, b *Row, key string) int {
	switch key {
	case "asn":
		return cmp.Compare(a.ASN, b.ASN)
	case "org":
		return strings.Compare(strings.ToLower(a.OrgName()), strings.ToLower(b.OrgName()))
	case "country":
		return strings.Compare(a.Country, b.Country)
	case "first":
		return a.FirstSeen.Compare(*b.FirstSeen)
	case "last":
		return a.LastSeen.Compare(*b.LastSeen)
	case "events":
		return cmp.Compare(a.Events, b.Events)
	case "logins":
		return cmp.Compare(a.Logins, b.Logins)
	case "rules":
		return cmp.Compare(a.RuleHits, b.RuleHits)
	case "campaign":
		return strings.Compare(a.Campaign, b.Campaign)
	case "role":
		if c := strings.Compare(a.Role, b.Role); c != 0 {
			return c
		}
		return cmp.Compare(b.Probability, a.Probability)
	case "probability":
		return cmp.Compare(a.Probability, b.Probability)
	case "confidence":
		return cmp.Compare(ConfidenceRank(a.Confidence), ConfidenceRank(b.Confidence))
	case "risk":
		return cmp.Compare(a.Risk, b.Risk)
	case "verdict":
		return strings.Compare(a.Verdict, b.Verdict)
	}
	return strings.Compare(a.Indicator, b.Indicator)
}

// OrgName is the organisation the table shows: the AS organisation, or the
// owner WHOIS or ISP data names when no ASN dataset did.
func (r *Row) OrgName() string {
	if r.ASOrg != "" {
		return r.ASOrg
	}
	return r.Org
}

// Confidences are the analytic confidences, highest first.
var Confidences = []string{"high", "moderate", "low"}

// ConfidenceRank orders analytic confidences: high 3, moderate 2, low 1,
// anything else 0.
func ConfidenceRank(c string) int {
	switch strings.ToLower(c) {
	case "high":
		return 3
	case "moderate":
		return 2
	case "low":
		return 1
	}
	return 0
}
