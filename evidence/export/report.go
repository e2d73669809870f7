package export

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/casefile/casefile/evidence"
)

//go:embed templates/report.html.tmpl
var templates embed.FS

var tlpMeaning = map[string]string{
	"white": "Disclosure is not limited.",
	"green": "Limited disclosure: the recipient's community, not public channels.",
	"amber": "Limited disclosure: the recipient's organisation and those who need to know to act on it.",
	"red":   "For the named recipients only: no further disclosure.",
}

var roleOrder = []string{"perpetrator-infrastructure", "anonymization-relay", "compromised-third-party", "abused-platform", "undetermined"}

type reportHyp struct {
	Name, Pct string
	Top       bool
	p         float64
}

type reportFactor struct {
	Text, Sign, Source string
	Rho                float64
	Evidence           []string
	Diagnostic         bool
}

type reportFinding struct {
	Finding
	AssessedAs string // the recorded judgement in one line (leafView.assessedAs)
	Proven     string // the leaf file proving it ("": not proven per source)
	RoleName   string
	RiskPct    int
	Risky      bool
	Hyps       []reportHyp
	Factors    []reportFactor
	SignedInto []string // "jsmith (3 logins, first 2026-11-20 09:50 UTC, E2, line 31)"
}

type reportEntry struct {
	Index             uint64
	Time, Actor, What string
}

type reportExhibit struct {
	Exhibit, Names, Source, Size, SHA256, Received, Entries string
	Escaped                                                 bool
}

type reportData struct {
	Title, CaseID, TLP, TLPUpper, TLPMeaning, Tool, Created string
	Recipient, Purpose, Authorization, Actor                string
	Analyst, Assessed                                       string
	EntryCount, ExhibitCount                                int
	ExhibitBytes                                            string
	LastEntry, CheckpointSize, Previous                     uint64
	Proved                                                  []uint64 // sizes consistency is proven from
	Witnessing                                              []string // the witnessing files
	Complete                                                bool
	Indicators, Selected                                    []string
	Fingerprint, FingerprintHex, Root, Timestamp            string
	Storage                                                 string // where the artefacts are kept, their lock and legal hold
	Findings                                                []reportFinding
	Groups                                                  reportGroups
	Timeline                                                []reportEntry
	Exhibits                                                []reportExhibit
	Notes                                                   []reportNote // the examiners' notes for the report
}

// sign renders a factor's effect in nats as ++ / + / 0 / − / −−.
func sign(n float64) string {
	switch {
	case n >= 1.5:
		return "++"
	case n >= 0.3:
		return "+"
	case n > -0.3:
		return "0"
	case n > -1.5:
		return "−"
	default:
		return "−−"
	}
}

func (d *document) reportHTML() ([]byte, error) {
	st := d.st
	rd := reportData{
		Title: st.info.Title, CaseID: st.info.CaseID, TLP: d.o.TLP, TLPUpper: strings.ToUpper(d.o.TLP),
		TLPMeaning: tlpMeaning[d.o.TLP], Tool: evidence.ToolName + " " + evidence.ToolVersion,
		Created:   st.time.UTC().Format("2 January 2006, 15:04:05 UTC"),
		Recipient: d.o.Recipient, Purpose: d.o.Purpose, Authorization: d.o.Authorization, Actor: d.o.Actor,
		EntryCount: len(st.entries), ExhibitCount: len(st.artefacts), LastEntry: st.size - 1,
		CheckpointSize: st.size, Previous: st.prevSize, Complete: st.complete, Proved: st.proved, Witnessing: st.witnessing,
		Indicators: st.indicators, Selected: d.m.Export.Artefacts,
		Fingerprint: d.fingerprint, FingerprintHex: strings.TrimPrefix(d.fingerprint, "sha256:"), Root: st.ck.Root.String(),
		Storage: d.o.Storage,
	}
	if d.m.Timestamp != nil {
		rd.Timestamp = d.m.Timestamp.Authority
	}
	if st.assessment != nil && len(st.findings) > 0 {
		rd.Analyst = d.analyst()
		rd.Assessed = fmt.Sprintf("%s (custody entry %d)", st.assessment.Time.UTC().Format("2 January 2006, 15:04:05 UTC"), st.assessment.Index)
	}
	var total int64
	for _, a := range st.artefacts {
		total += a.size
		ents := make([]string, len(a.entries))
		for j, e := range a.entries {
			ents[j] = fmt.Sprint(e)
		}
		rd.Exhibits = append(rd.Exhibits, reportExhibit{
			Exhibit: a.exhibit(), Names: atMost(displayNameList(a), 3), Source: atMost(a.sources, 2), Size: evidence.HumanBytes(a.size),
			SHA256: a.digest.Hex(), Received: a.received.UTC().Format("2006-01-02 15:04:05"), Entries: strings.Join(ents, ", "),
			Escaped: a.escaped,
		})
	}
	rd.ExhibitBytes = evidence.HumanBytes(total)
	exhibitOf := map[string]string{} // "sha256:<hex>" → "E3 (auth.log)"
	for _, a := range st.artefacts {
		exhibitOf[a.digest.String()] = a.exhibit() + " (" + atMost(displayNameList(a), 1) + ")"
	}
	if d.ann != nil {
		notes, err := reportNotes(d.ann, exhibitOf)
		if err != nil {
			return nil, fmt.Errorf("export: report: %w", err)
		}
		rd.Notes = notes
	}
	for _, e := range st.entries {
		rd.Timeline = append(rd.Timeline, reportEntry{Index: e.Index, Time: e.Time.UTC().Format("2006-01-02 15:04:05"), Actor: actorName(e.Actor), What: exhibitsIn(evidence.Describe(e), exhibitOf)})
	}
	for _, w := range st.withheld {
		rd.Timeline = append(rd.Timeline, reportEntry{Index: w.index, Time: "(withheld)", Actor: "",
			What: w.kind + ": " + w.reason + "; its hash is proven to be in the signed log (proofs/" + fmt.Sprintf("entry-%d.tlog-proof", w.index) + ")"})
	}
	sort.Slice(rd.Timeline, func(i, j int) bool { return rd.Timeline[i].Index < rd.Timeline[j].Index })
	for _, f := range d.st.findings {
		rf := reportFinding{Finding: f, AssessedAs: viewOf(f).assessedAs(), Proven: st.provenAt[f.Indicator],
			RoleName: roleNames[f.Role], RiskPct: int(math.Round(100 * clamp01(f.CollateralRisk)))}
		if rf.RoleName == "" {
			rf.RoleName = f.Role
		}
		rf.Risky = f.CollateralRisk > 0.2 && f.Role != "undetermined"
		hyps := f.Hypotheses
		if len(hyps) == 0 {
			hyps = map[string]float64{f.Role: f.Probability}
		}
		for _, r := range roleOrder {
			if p, ok := hyps[r]; ok {
				rf.Hyps = append(rf.Hyps, reportHyp{Name: roleNames[r], Pct: fmt.Sprintf("%.0f %%", 100*p), Top: r == f.Role, p: p})
			}
		}
		sort.SliceStable(rf.Hyps, func(i, j int) bool { return rf.Hyps[i].p > rf.Hyps[j].p })
		for _, fa := range f.Factors {
			rf.Factors = append(rf.Factors, reportFactor{Text: fa.Text, Sign: sign(fa.Nats[f.Role]), Source: exhibitsIn(fa.Source, exhibitOf),
				Rho: fa.Rho, Evidence: readableCites(fa.Evidence, exhibitOf), Diagnostic: fa.Diagnostic})
		}
		for _, l := range f.Logins {
			w := fmt.Sprintf("%s (%d %s", l.Account, l.Count, plural(int(l.Count), "login"))
			if l.First != nil {
				w += ", first " + l.First.UTC().Format("2006-01-02 15:04 UTC")
			}
			rf.SignedInto = append(rf.SignedInto, w+", "+strings.Join(readableCites([]string{l.Evidence}, exhibitOf), "")+")")
		}
		if f.LoginsOver {
			rf.SignedInto = append(rf.SignedInto, "and more accounts")
		}
		rd.Findings = append(rd.Findings, rf)
	}
	rd.Groups = groupFindings(rd.Findings, exhibitOf)
	d.groups = &rd.Groups
	t, err := template.New("report.html.tmpl").Funcs(template.FuncMap{"add1": func(n int) int { return n + 1 }}).
		ParseFS(templates, "templates/report.html.tmpl")
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, rd); err != nil {
		return nil, fmt.Errorf("export: report: %w", err)
	}
	return b.Bytes(), nil
}

// readableCites turns the assessment's citations ("entry:12",
// "sha256:…#L94", "sha256:…#R3", "dataset sha256:…") into what a reader of
// the report can look up: the custody entry, or the exhibit and line. At
// most maxReportCites are listed.
func readableCites(cites []string, exhibitOf map[string]string) []string {
	const maxReportCites = 4
	var out []string
	for i, c := range cites {
		if i == maxReportCites {
			out = append(out, fmt.Sprintf("and %d more", len(cites)-i))
			break
		}
		c = strings.TrimPrefix(c, "dataset ")
		switch {
		case strings.HasPrefix(c, "entry:"):
			out = append(out, "custody entry "+strings.TrimPrefix(c, "entry:"))
		case strings.HasPrefix(c, "sha256:"):
			d, where, _ := strings.Cut(c, "#")
			name := exhibitOf[d]
			if name == "" {
				name = d[:min(len(d), 19)] + "…"
			}
			switch {
			case strings.HasPrefix(where, "L"):
				name += ", line " + where[1:]
			case strings.HasPrefix(where, "R"):
				name += ", record " + where[1:]
			}
			out = append(out, name)
		default:
			out = append(out, c)
		}
	}
	return out
}

// atMost joins the first n of a list for a table cell and says how many
// more there are (the same bytes received under many names, such as one
// WHOIS answer for many addresses, would fill pages).
func atMost(list []string, n int) string {
	if len(list) <= n {
		return strings.Join(list, "; ")
	}
	return fmt.Sprintf("%s; and %d more", strings.Join(list[:n], "; "), len(list)-n)
}

// actorName is the name part of "Name <e-mail>", for the custody table:
// the e-mail addresses are in entries.jsonl, and the people in section 1.
func actorName(actor string) string {
	if name, _, ok := strings.Cut(actor, " <"); ok && name != "" {
		return name
	}
	return actor
}

var digestRE = regexp.MustCompile(`(?:dataset )?sha256:[0-9a-f]{64}`)

// exhibitsIn names the exhibits a factor's source text gives by digest
// ("GeoIP2-City 2024-06-28, rating B (dataset sha256:…)" → "… (E1
// ("GeoIP2-City.mmdb"))"); a digest that is no exhibit of the package
// stays as it is.
func exhibitsIn(text string, exhibitOf map[string]string) string {
	return digestRE.ReplaceAllStringFunc(text, func(m string) string {
		if e := exhibitOf[strings.TrimPrefix(m, "dataset ")]; e != "" {
			return e
		}
		return m
	})
}
