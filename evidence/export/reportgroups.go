package export

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The report gives full detail only to the sources someone must decide
// about: those with an external role other than undetermined, and those an
// examiner judged. Sources that acted against the organisation without a
// role get one row each (what they did, when, citing it); destinations the
// everything else seen is listed compactly. (A destination the victim
// contacted is a finding only when judged hostile or by an examiner, so it
// is detailed when it is one.)
// Real cases have thousands of sources, and one block each made a report
// of two thousand pages that nobody reads.

type reportRow struct {
	Indicator, Type, Verdict, Did, Events, Seen, First string
	Recorded                                           string // leafView.briefly
	start                                              time.Time
	Cites                                              []string
}

type reportCount struct {
	Name string
	N    int
}

// reportBlock is one detailed source, or the sources of one campaign
// with the same verdict: the first in full, the others a row each.
type reportBlock struct {
	Lead     reportFinding
	Members  []reportRow
	Campaign string
	members  []reportFinding // the findings behind Members
}

// reportLead is one line of the first page: a detailed source (or a
// campaign's sources) and what is asked about it.
type reportLead struct {
	Name, RoleName, Seen, Did, Recommendation string
	Single                                    bool // Name is an address, not a campaign
}

// reportMoment is one line of the report's timeline: when a source (or a
// campaign's sources) acted, as what, doing what, citing it.
type reportMoment struct {
	When, Who, What string
	Cites           []string
}

// maxMoments bounds the timeline: the leads always, then the sources that
// acted most.
const maxMoments = 30

// reportGroups is what section 3 of the report shows, and what the first
// page says of it: when the sources acted, how, and the leads.
type reportGroups struct {
	Timeline []reportMoment // chronological
	Omitted  int            // sources that acted but are not in the timeline
	Span     string         // first to last hostile activity (UTC)
	ActedN   int            // sources rules caught acting, detailed or not
	Hows     []string       // "password guessing by 163 sources", most first
	Leads    []reportLead
	// Accounts are those that sources acting against the organisation
	// signed into, earliest first (reportaccounts.go).
	Accounts     []reportAccount
	AccountsMore int
	allAccounts  []reportAccount // unbounded, for accounts.csv
	Detailed     []reportBlock
	Acted        []reportRow // no external role, but rules found what they did
	Other        []reportRow // seen, nothing hostile detected
	Counts       []reportCount
}

// externalRoles are the roles that name whose system a source is.
var externalRoles = []string{"perpetrator-infrastructure", "anonymization-relay", "compromised-third-party", "abused-platform"}

var verdictNames = map[string]string{
	"internal":              "internal host",
	"contacted-destination": "contacted by the victim",
}

// countNames name the verdicts in the summary's counts.
var countNames = map[string]string{
	"perpetrator-infrastructure": "perpetrator's infrastructure",
	"anonymization-relay":        "anonymising relay",
	"compromised-third-party":    "compromised third-party system",
	"abused-platform":            "abused legitimate platform",
	"undetermined":               "undetermined",
	"internal":                   "internal host",
	"contacted-destination":      "contacted by the victim",
}

func groupFindings(fs []reportFinding, exhibitOf map[string]string) reportGroups {
	var g reportGroups
	count := map[string]int{}
	block := map[string]int{} // role and campaign → index in g.Detailed
	for _, f := range fs {
		count[f.Role]++
		if slices.Contains(externalRoles, f.Role) || f.Examiner != nil {
			key := f.Role + "\x00" + f.Campaign
			if i, ok := block[key]; ok && f.Campaign != "" && f.Examiner == nil {
				g.Detailed[i].Members = append(g.Detailed[i].Members, memberRow(f, exhibitOf))
				g.Detailed[i].members = append(g.Detailed[i].members, f)
				continue
			}
			if f.Campaign != "" && f.Examiner == nil {
				block[key] = len(g.Detailed)
			}
			g.Detailed = append(g.Detailed, reportBlock{Lead: f, Campaign: f.Campaign})
			continue
		}
		row := reportRow{Indicator: f.Indicator, Type: f.Type, Verdict: verdictName(f), Events: fmt.Sprint(f.Events), Seen: seen(f.Finding),
			Recorded: viewOf(f.Finding).briefly()}
		if f.FirstSeen != nil {
			row.First, row.start = f.FirstSeen.UTC().Format("2006-01-02"), *f.FirstSeen
		}
		did := f.Finding.Did()
		if ev := f.Finding.DidEvidence(); ev != nil {
			row.Cites = readableCites(withoutEntries(ev), exhibitOf)
		}
		row.Did = strings.Join(did, ", ")
		if len(did) > 0 {
			g.Acted = append(g.Acted, row)
		} else {
			g.Other = append(g.Other, row)
		}
	}
	g.story(fs)
	g.accounts(fs, exhibitOf)
	// The leads come first: infrastructure the perpetrator may own, then
	// systems of third parties to notify, then relays.
	slices.SortStableFunc(g.Detailed, func(a, b reportBlock) int { return leadRank(a.Lead.Role) - leadRank(b.Lead.Role) })
	g.leads()
	g.timeline(exhibitOf)
	for _, r := range append(append([]string{}, roleOrder...), "internal", "contacted-destination") {
		if n := count[r]; n > 0 {
			g.Counts = append(g.Counts, reportCount{Name: countNames[r], N: n})
		}
	}
	return g
}

func verdictName(f reportFinding) string {
	if v := verdictNames[f.Role]; v != "" {
		return v
	}
	return fmt.Sprintf("%s (%.0f %%)", f.RoleName, 100*f.Probability)
}

func seen(f Finding) string {
	switch {
	case f.FirstSeen == nil:
		return ""
	case f.LastSeen == nil || f.LastSeen.Equal(*f.FirstSeen):
		return f.FirstSeen.UTC().Format("2006-01-02 15:04")
	case f.LastSeen.UTC().Format("2006-01-02") == f.FirstSeen.UTC().Format("2006-01-02"):
		return f.FirstSeen.UTC().Format("2006-01-02 15:04") + "–" + f.LastSeen.UTC().Format("15:04")
	default:
		return f.FirstSeen.UTC().Format("2006-01-02 15:04") + " – " + f.LastSeen.UTC().Format("2006-01-02 15:04")
	}
}

// withoutEntries keeps the log lines and records a behaviour factor cites
// (the custody entry of the parse run adds nothing in a table cell), at
// most two.
func withoutEntries(cites []string) []string {
	var out []string
	for _, c := range cites {
		if !strings.HasPrefix(c, "entry:") && len(out) < 2 {
			out = append(out, c)
		}
	}
	return out
}

// memberRow is a campaign member beside its block's lead: its verdict,
// when it acted, and its strongest evidence with what that rests on.
func memberRow(f reportFinding, exhibitOf map[string]string) reportRow {
	row := reportRow{Indicator: f.Indicator, Type: f.Type, Verdict: "confidence " + f.Confidence,
		Events: fmt.Sprint(f.Events), Seen: seen(f.Finding), Recorded: viewOf(f.Finding).briefly()}
	for _, fa := range f.Finding.Factors {
		if fa.Diagnostic {
			row.Did = fa.Text
			row.Cites = readableCites(fa.Evidence[:min(len(fa.Evidence), 2)], exhibitOf)
			break
		}
	}
	return row
}

var leadOrder = []string{"perpetrator-infrastructure", "compromised-third-party", "abused-platform", "anonymization-relay"}

func leadRank(role string) int {
	if i := slices.Index(leadOrder, role); i >= 0 {
		return i
	}
	return len(leadOrder)
}

// story fills what the first page says: the span of the hostile activity
// of every source rules caught acting (or with an external role), how many
// sources did what, and one line per detailed block.
func (g *reportGroups) story(fs []reportFinding) {
	var acted []Finding
	for _, f := range fs {
		if f.Finding.ActedAgainst() {
			acted = append(acted, f.Finding)
		}
	}
	g.ActedN = len(acted)
	act := ActivityOf(acted)
	if !act.First.IsZero() {
		g.Span = seen(Finding{FirstSeen: &act.First, LastSeen: &act.Last})
	}
	for _, d := range act.Did {
		g.Hows = append(g.Hows, fmt.Sprintf("%s by %d %s", d.Did, d.Sources, plural(d.Sources, "source")))
	}
}

// leads is one line per detailed block, in the blocks' order.
func (g *reportGroups) leads() {
	for _, b := range g.Detailed {
		l := reportLead{Name: b.Lead.Indicator, RoleName: b.Lead.RoleName, Seen: seen(b.Lead.Finding), Recommendation: b.Lead.Recommendation,
			Single: len(b.Members) == 0}
		if len(b.Members) > 0 {
			l.Name = fmt.Sprintf("%d sources acting as one (%s)", len(b.Members)+1, b.Campaign)
		}
		if x := b.Lead.Examiner; x != nil {
			l.RoleName = fmt.Sprintf("%s (the model: %s)", x.Role, b.Lead.RoleName)
		}
		l.Did = strings.Join(b.Lead.Finding.Did(), ", ")
		g.Leads = append(g.Leads, l)
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// timeline orders, by when they began, the leads (a campaign as one line
// spanning its members) and the sources rules caught acting, most events
// first when there are more than maxMoments.
func (g *reportGroups) timeline(exhibitOf map[string]string) {
	type moment struct {
		reportMoment
		start  time.Time
		events int64
	}
	var ms []moment
	for _, b := range g.Detailed {
		m := moment{reportMoment: reportMoment{Who: b.Lead.Indicator, What: b.Lead.RoleName}, events: b.Lead.Events}
		first, last := b.Lead.FirstSeen, b.Lead.LastSeen
		for _, r := range b.Members {
			m.events += atoi(r.Events)
		}
		if len(b.Members) > 0 {
			m.Who = fmt.Sprintf("%d sources (%s)", len(b.Members)+1, b.Campaign)
			for _, f := range b.members {
				if f.FirstSeen != nil && (first == nil || f.FirstSeen.Before(*first)) {
					first = f.FirstSeen
				}
				if f.LastSeen != nil && (last == nil || f.LastSeen.After(*last)) {
					last = f.LastSeen
				}
			}
		}
		if first == nil {
			continue
		}
		m.start, m.When = *first, seen(Finding{FirstSeen: first, LastSeen: last})
		did := b.Lead.Finding.Did()
		what := b.Lead.Finding.DidEvidence() // the lines of what it did; else what its verdict rests on
		for _, fa := range b.Lead.Finding.Factors {
			if what == nil && fa.Diagnostic {
				what = fa.Evidence
			}
		}
		m.Cites = readableCites(withoutEntries(what), exhibitOf)
		if len(did) > 0 {
			m.What += ": " + strings.Join(did, ", ")
		}
		ms = append(ms, m)
	}
	leads := len(ms)
	for _, r := range g.Acted {
		if r.start.IsZero() {
			continue
		}
		ms = append(ms, moment{reportMoment: reportMoment{When: r.Seen, Who: r.Indicator, What: r.Verdict + ": " + r.Did, Cites: r.Cites},
			start: r.start, events: atoi(r.Events)})
	}
	if len(ms) > maxMoments {
		rest := ms[leads:]
		slices.SortStableFunc(rest, func(a, b moment) int { return int(b.events - a.events) })
		g.Omitted = len(ms) - max(maxMoments, leads)
		ms = ms[:max(maxMoments, leads)]
	}
	slices.SortStableFunc(ms, func(a, b moment) int { return a.start.Compare(b.start) })
	for _, m := range ms {
		g.Timeline = append(g.Timeline, m.reportMoment)
	}
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
