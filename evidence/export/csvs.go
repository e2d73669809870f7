package export

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"time"

	"github.com/casefile/casefile/evidence"
)

// Beside the report, the same facts as CSV (RFC 4180, UTF-8, a header
// row) for the recipients' own tools: the sources with their recorded
// verdicts, the report's timeline, the accounts hostile sources signed
// into, the exhibits, and the custody log. verify-export checks
// sources.csv against the proven assessment leaves like the report; the
// timeline and the accounts are read from the same findings.
const (
	fileSourcesCSV  = "sources.csv"
	fileTimelineCSV = "timeline.csv"
	fileAccountsCSV = "accounts.csv"
	fileExhibitsCSV = "exhibits.csv"
	fileCustodyCSV  = "custody.csv"
)

// sourcesHeader names the columns of sources.csv; the first six are what
// verify-export checks against each source's proven leaf.
var sourcesHeader = []string{"indicator", "type", "verdict", "probability", "confidence", "collateral_risk",
	"words", "events", "first_seen", "last_seen", "what_it_did", "campaign", "examiner_verdict", "examiner", "recommendation"}

func writeCSV(rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true // RFC 4180
	w.WriteAll(rows) // a bytes.Buffer does not fail
	return b.Bytes()
}

func csvTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// sourcesCSV is one row per finding of the package.
func (d *document) sourcesCSV() []byte {
	rows := [][]string{sourcesHeader}
	for _, f := range d.st.findings {
		var exRole, ex string
		if x := f.Examiner; x != nil {
			exRole, ex = x.Role, x.Actor
		}
		rows = append(rows, []string{f.Indicator, f.Type, f.Role, prob2(f.Probability), f.Confidence, prob2(f.CollateralRisk),
			f.Words, strconv.FormatInt(f.Events, 10), csvTime(f.FirstSeen), csvTime(f.LastSeen), strings.Join(f.Did(), "; "),
			f.Campaign, exRole, ex, f.Recommendation})
	}
	return writeCSV(rows)
}

// exhibitsCSV is one row per artefact of the package, in exhibit order.
func (d *document) exhibitsCSV() []byte {
	rows := [][]string{{"exhibit", "sha256", "size", "names", "sources", "preserved", "entries", "file"}}
	for _, a := range d.st.artefacts {
		ents := make([]string, len(a.entries))
		for i, e := range a.entries {
			ents[i] = strconv.FormatUint(e, 10)
		}
		rows = append(rows, []string{a.exhibit(), a.digest.Hex(), strconv.FormatInt(a.size, 10), strings.Join(a.names, "; "),
			strings.Join(a.sources, "; "), a.received.UTC().Format(time.RFC3339), strings.Join(ents, " "), dirArtefacts + a.digest.Hex()})
	}
	return writeCSV(rows)
}

// custodyCSV is one row per entry the package shows.
func (d *document) custodyCSV() []byte {
	rows := [][]string{{"entry", "time", "actor", "kind", "what"}}
	for _, e := range d.st.entries {
		rows = append(rows, []string{strconv.FormatUint(e.Index, 10), e.Time.UTC().Format(time.RFC3339Nano), e.Actor, e.Kind, evidence.Describe(e)})
	}
	return writeCSV(rows)
}

func prob2(p float64) string { return strconv.FormatFloat(p, 'f', 2, 64) }

// checkSourcesCSV checks sources.csv, when the package has one, against
// the proven leaves: a row per source, each saying what its leaf says.
func checkSourcesCSV(r *Report, pk *reader, views map[string]leafView, want int) bool {
	f := pk.files[fileSourcesCSV]
	if f == nil {
		return true
	}
	rows, err := csv.NewReader(bytes.NewReader(f.data)).ReadAll()
	if err != nil || len(rows) == 0 || strings.Join(rows[0], ",") != strings.Join(sourcesHeader, ",") {
		r.add(ProblemScope, fileSourcesCSV, "not the CSV of sources Casefile writes (%v)", err)
		return false
	}
	seen := map[string]bool{}
	for i, row := range rows[1:] {
		v, ok := views[row[0]]
		said := strings.Join(row[:6], ",")
		leaf := strings.Join([]string{v.Indicator, v.Type, v.Role, prob2(v.Probability), v.Confidence, prob2(v.CollateralRisk)}, ",")
		if !ok || said != leaf || seen[row[0]] {
			r.add(ProblemScope, fileSourcesCSV, "row %d says %q, which no proven assessment leaf says (once)", i+2, said)
			return false
		}
		seen[row[0]] = true
	}
	if missing := absent(views, seen, want); missing != "" {
		r.add(ProblemScope, fileSourcesCSV, "has no row for %s", missing)
		return false
	}
	return true
}

// timelineCSV is the report's timeline (section 3.0), a row per moment;
// reportHTML must have run.
func (d *document) timelineCSV() []byte {
	rows := [][]string{{"when_utc", "who", "as_what_doing_what", "rests_on"}}
	for _, m := range d.groups.Timeline {
		rows = append(rows, []string{m.When, m.Who, m.What, strings.Join(m.Cites, "; ")})
	}
	return writeCSV(rows)
}

// accountsCSV lists every account sources acting against the
// organisation signed into (the first page names the first ones);
// reportHTML must have run.
func (d *document) accountsCSV() []byte {
	rows := [][]string{{"account", "first_login_utc", "from", "more_sources", "logins", "rests_on"}}
	for _, a := range d.groups.allAccounts {
		var from []string
		for _, f := range a.From {
			from = append(from, f.Indicator+" ("+f.RoleName+")")
		}
		rows = append(rows, []string{a.Account, a.First, strings.Join(from, "; "), strconv.Itoa(a.More),
			strconv.FormatInt(a.Count, 10), a.Cite})
	}
	return writeCSV(rows)
}
