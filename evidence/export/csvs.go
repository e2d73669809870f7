package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
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
	fileReportJSON  = "report.json"
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

// sourcesRows is one row per finding of the package, after the header.
func (d *document) sourcesRows() [][]string {
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
	return rows
}

// exhibitsRows is one row per artefact of the package, in exhibit order.
func (d *document) exhibitsRows() [][]string {
	rows := [][]string{{"exhibit", "sha256", "size", "names", "sources", "preserved", "entries", "file"}}
	for _, a := range d.st.artefacts {
		ents := make([]string, len(a.entries))
		for i, e := range a.entries {
			ents[i] = strconv.FormatUint(e, 10)
		}
		rows = append(rows, []string{a.exhibit(), a.digest.Hex(), strconv.FormatInt(a.size, 10), strings.Join(a.names, "; "),
			strings.Join(a.sources, "; "), a.received.UTC().Format(time.RFC3339), strings.Join(ents, " "), dirArtefacts + a.digest.Hex()})
	}
	return rows
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
	return checkSourceRows(r, fileSourcesCSV, rows, views, want)
}

// checkSourceRows checks rows of sources (the header first), as
// sources.csv and report.json carry them, against the proven leaves.
func checkSourceRows(r *Report, file string, rows [][]string, views map[string]leafView, want int) bool {
	seen := map[string]bool{}
	for i, row := range rows[1:] {
		v, ok := views[row[0]]
		said := strings.Join(row[:6], ",")
		leaf := strings.Join([]string{v.Indicator, v.Type, v.Role, prob2(v.Probability), v.Confidence, prob2(v.CollateralRisk)}, ",")
		if !ok || said != leaf || seen[row[0]] {
			r.add(ProblemScope, file, "row %d says %q, which no proven assessment leaf says (once)", i+2, said)
			return false
		}
		seen[row[0]] = true
	}
	if missing := absent(views, seen, want); missing != "" {
		r.add(ProblemScope, file, "has no row for %s", missing)
		return false
	}
	return true
}

// timelineRows is the report's timeline (section 3.0), a row per moment;
// reportHTML must have run.
func (d *document) timelineRows() [][]string {
	rows := [][]string{{"when_utc", "who", "as_what_doing_what", "rests_on"}}
	for _, m := range d.groups.Timeline {
		rows = append(rows, []string{m.When, m.Who, m.What, strings.Join(m.Cites, "; ")})
	}
	return rows
}

// accountsRows lists every account sources acting against the
// organisation signed into (the first page names the first ones);
// reportHTML must have run.
func (d *document) accountsRows() [][]string {
	rows := [][]string{{"account", "first_login_utc", "from", "more_sources", "logins", "rests_on"}}
	for _, a := range d.groups.allAccounts {
		var from []string
		for _, f := range a.From {
			from = append(from, f.Indicator+" ("+f.RoleName+")")
		}
		rows = append(rows, []string{a.Account, a.First, strings.Join(from, "; "), strconv.Itoa(a.More),
			strconv.FormatInt(a.Count, 10), a.Cite})
	}
	return rows
}

// reportJSON holds the same tables as the CSV files, for tools that read
// JSON: each row an object keyed by the CSV's column names. verify-export
// checks its sources against the proven leaves like sources.csv.
func (d *document) reportJSON() ([]byte, error) {
	doc := map[string]any{"format": reportJSONFormat}
	for name, rows := range map[string][][]string{"sources": d.sourcesRows(), "timeline": d.timelineRows(),
		"accounts": d.accountsRows(), "exhibits": d.exhibitsRows()} {
		objs := make([]map[string]string, 0, len(rows)-1)
		for _, row := range rows[1:] {
			o := make(map[string]string, len(row))
			for i, k := range rows[0] {
				o[k] = row[i]
			}
			objs = append(objs, o)
		}
		doc[name] = objs
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	return append(b, '\n'), err
}

const reportJSONFormat = "casefile-report/1"

// checkReportJSON checks report.json, when the package has one: its
// sources must say what the proven leaves say.
func checkReportJSON(r *Report, pk *reader, views map[string]leafView, want int) bool {
	f := pk.files[fileReportJSON]
	if f == nil {
		return true
	}
	var doc struct {
		Format  string              `json:"format"`
		Sources []map[string]string `json:"sources"`
	}
	if err := json.Unmarshal(f.data, &doc); err != nil || doc.Format != reportJSONFormat {
		r.add(ProblemScope, fileReportJSON, "not the report.json Casefile writes (%v)", err)
		return false
	}
	rows := [][]string{sourcesHeader}
	for _, o := range doc.Sources {
		row := make([]string, len(sourcesHeader))
		for i, k := range sourcesHeader {
			row[i] = o[k]
		}
		rows = append(rows, row)
	}
	return checkSourceRows(r, fileReportJSON, rows, views, want)
}
