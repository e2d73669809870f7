package export

import (
	"bytes"
	"encoding/csv"
	"regexp"
	"strings"
	"testing"
)

// TestReport checks what counsel must see in report.html, that hostile
// names are escaped, and that it loads nothing from elsewhere.
func TestReport(t *testing.T) {
	tc, pk := buildDir(t)
	html := string(pk.files["report.html"].data)
	for _, want := range []string{
		"TLP:AMBER",
		"Warning: acting against 185.220.101.4 would likely harm a third party (collateral risk 97 %)",
		"Warning: acting against 130.37.1.20 would likely harm a third party (collateral risk 80 %)",
		"185.220.101.4 is very likely an anonymising relay (Tor exit).",
		"engagement letter 2026-17",
		tc.arts["auth.log"].Hex(), tc.arts["access.log"].Hex(), tc.arts["notes.bin"].Hex(),
		cmdCheckSumsSig, cmdCheckSums, cmdFingerprint, cmdScript,
		`<td class="sign">&#43;&#43;</td>`,
		"(not diagnostic)",
		"@media print",
		"notes%1B[31m&lt;b&gt;.bin",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if strings.Contains(html, "<b>.bin") || strings.Contains(html, "\x1b") {
		t.Error("a hostile name reached the report unescaped")
	}
	if strings.Contains(html, "Anyone can repeat these checks") {
		t.Error("report.html claims that sha256sum and openssl repeat the proof checks")
	}
	if m := regexp.MustCompile(`(?i)(src|href)\s*=|url\(|@import|<script`).FindString(html); m != "" {
		t.Errorf("report.html loads or runs something: %q", m)
	}
	if n := strings.Count(html, `<tr><td class="num">`); n != 8 {
		t.Errorf("custody timeline has %d rows, want 8", n)
	}
}

// Beside the report, CSV for the recipients' own tools: a row per source
// with its recorded verdict, per exhibit, per custody entry.
func TestCSVs(t *testing.T) {
	_, pk := buildDir(t)
	read := func(name string) [][]string {
		rows, err := csv.NewReader(bytes.NewReader(pk.files[name].data)).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return rows
	}
	src := read(fileSourcesCSV)
	if len(src) != 3 || strings.Join(src[1][:6], ",") != "185.220.101.4,ip,anonymization-relay,0.93,high,0.97" {
		t.Errorf("sources.csv: %q", src)
	}
	ex := read(fileExhibitsCSV)
	if len(ex) != 4 || ex[1][0] != "E1" || ex[1][3] != "auth.log" || ex[2][0] != "E2" || ex[2][3] != "access.log" {
		t.Errorf("exhibits.csv: %q", ex)
	}
	if cu := read(fileCustodyCSV); len(cu) != 9 || cu[1][3] != "case.created" {
		t.Errorf("custody.csv: %d rows, %q", len(cu), cu[:2])
	}
	// The report's timeline and accounts, as the report shows them.
	html := string(pk.files[fileReport].data)
	tl := read(fileTimelineCSV)
	if strings.Join(tl[0], ",") != "when_utc,who,as_what_doing_what,rests_on" {
		t.Errorf("timeline.csv header %q", tl[0])
	}
	if len(tl) < 2 {
		t.Errorf("timeline.csv has no rows")
	}
	for _, row := range tl[1:] {
		if !strings.Contains(html, "<td>"+row[0]+"</td><td>"+row[1]+"</td>") {
			t.Errorf("timeline.csv row %q is not in the report's timeline", row)
		}
	}
	if ac := read(fileAccountsCSV); len(ac) != 2 || strings.Join(ac[0], ",") != "account,first_login_utc,from,more_sources,logins,rests_on" ||
		strings.Join(ac[1], ",") != "jsmith,2026-11-20 09:50 UTC,130.37.1.20 (a compromised third-party system),0,1,custody entry 2" {
		t.Errorf("accounts.csv %q", ac)
	}
}
