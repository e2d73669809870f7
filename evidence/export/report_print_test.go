package export

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// A report of a case with thousands of sources still fits a court binder:
// printed to A4 by Chromium, as counsel would, it stays within 60 pages.
func TestReportPrintsWithinSixtyPages(t *testing.T) {
	chromium := ""
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			chromium = p
			break
		}
	}
	if chromium == "" {
		if os.Getenv("CASEFILE_BROWSER_TESTS") == "required" {
			t.Fatal("CASEFILE_BROWSER_TESTS=required but no chromium on PATH")
		}
		t.Skip("no chromium on PATH: the print test is skipped (set CASEFILE_BROWSER_TESTS=required to make this an error)")
	}
	tc := newTestCase(t)
	o := tc.options(filepath.Join(t.TempDir(), "pkg"))
	o.Findings = append(o.Findings, manyFindings(2000, tc.arts["auth.log"].String())...)
	build(t, tc, o)
	pdf := filepath.Join(t.TempDir(), "report.pdf")
	cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
		"--user-data-dir="+t.TempDir(), "--print-to-pdf="+pdf, "file://"+filepath.Join(o.Out, "report.html"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	b, err := os.ReadFile(pdf)
	if err != nil {
		t.Fatal(err)
	}
	pages := len(regexp.MustCompile(`/Type\s*/Page\b`).FindAll(b, -1))
	t.Logf("report.html of %d sources printed to %d A4 pages", len(o.Findings), pages)
	if pages == 0 || pages > 60 {
		t.Fatalf("%d pages, want 1 to 60", pages)
	}
	if !bytes.Contains(b, []byte("%PDF")) {
		t.Fatal("not a PDF")
	}
}

// manyFindings makes n sources as a real case has them: most seen doing
// nothing hostile, some guessing passwords (citing log lines), a campaign
// of relays and a few compromised systems.
func manyFindings(n int, log string) []Finding {
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var fs []Finding
	for i := range n {
		first, last := t0.Add(time.Duration(i)*time.Minute), t0.Add(time.Duration(i)*time.Minute+time.Hour)
		f := Finding{Indicator: fmt.Sprintf("198.18.%d.%d", i/250, 1+i%250), Type: "ip", Role: "undetermined", Probability: 0.81,
			Words: "very likely", Confidence: "low", Statement: "no evidence about this source's role", Events: int64(1 + i%40), FirstSeen: &first, LastSeen: &last}
		switch {
		case i%10 == 0:
			f.Factors = []FindingFactor{{ID: "password-guessing", Did: "password guessing", Diagnostic: true, Rho: 0.77,
				Text:     "password guessing or credential stuffing: 286 events within 10m0s",
				Evidence: []string{"entry:3", fmt.Sprintf("%s#L%d", log, 1+i%9), fmt.Sprintf("%s#L%d", log, 2+i%9)}}}
		case i%97 == 1:
			f.Role, f.Probability, f.Campaign, f.CollateralRisk = "anonymization-relay", 0.96, "campaign-1", 0.98
			f.Hypotheses = map[string]float64{"anonymization-relay": 0.96, "undetermined": 0.04}
			f.Factors = []FindingFactor{{ID: "tor-exit", Text: "Tor exit at the time of the events", Diagnostic: true, Rho: 0.88, Evidence: []string{"entry:9"}}}
		case i%499 == 2:
			f.Role, f.Probability, f.CollateralRisk = "compromised-third-party", 0.64, 0.7
			f.Hypotheses = map[string]float64{"compromised-third-party": 0.64, "undetermined": 0.36}
		}
		fs = append(fs, f)
	}
	return fs
}
