package export

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence/annotate"
	"github.com/casefile/casefile/evidence/export/stixtest"
)

// annotateCase records a curated IOC list (one indicator listed, then
// withdrawn) and two notes, one marked for the report, in tc's case.
func annotateCase(t *testing.T, tc *testCase) {
	t.Helper()
	ctx := context.Background()
	st := &annotate.State{}
	do := func(plan func() (annotate.Change, error)) {
		t.Helper()
		if err := st.CatchUp(tc.c); err != nil {
			t.Fatal(err)
		}
		ch, err := plan()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := annotate.Record(ctx, tc.c, testExaminer, ch); err != nil {
			t.Fatal(err)
		}
	}
	do(func() (annotate.Change, error) {
		return st.PlanIOC(annotate.IOCDraft{Indicator: "185.220.101.4", TLP: "green", Comment: "Tor exit, guessing passwords"})
	})
	do(func() (annotate.Change, error) {
		return st.PlanIOC(annotate.IOCDraft{Indicator: "evil.example", TLP: "amber+strict"})
	})
	do(func() (annotate.Change, error) { return st.PlanIOC(annotate.IOCDraft{Indicator: "192.0.2.200"}) })
	do(func() (annotate.Change, error) { return st.PlanUnlistIOC("192.0.2.200") })
	auth := tc.arts["auth.log"].String()
	do(func() (annotate.Change, error) {
		return st.PlanNote(annotate.NoteDraft{Title: "Password guessing from a Tor exit", ForReport: true,
			Body: "The guessing came **through Tor**.\n\n<script>alert(1)</script>", Cites: []string{auth + "#L2", "185.220.101.4"}})
	})
	do(func() (annotate.Change, error) {
		return st.PlanNote(annotate.NoteDraft{Title: "Internal musing", Body: "not for the report"})
	})
}

// TestExportAnnotations: the package carries the curated IOC list as
// iocs.csv and as STIX indicators with each item's TLP marking, and the
// notes marked for the report in report.html; verify-export folds the
// package's entries and refuses an iocs.csv or curated indicator that
// says otherwise, even re-signed with the case key.
func TestExportAnnotations(t *testing.T) {
	tc := newTestCase(t)
	annotateCase(t, tc)
	good := filepath.Join(t.TempDir(), "good")
	build(t, tc, tc.options(good))
	if r := mustVerify(t, good); !r.OK {
		t.Fatalf("verify: %+v", r.Problems)
	}
	csv, err := os.ReadFile(filepath.Join(good, fileIOCsCSV))
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSuffix(string(csv), "\r\n"), "\r\n")
	if len(rows) != 3 || rows[0] != "indicator,type,tlp,comment,listed_by,listed_at,entry" ||
		!strings.HasPrefix(rows[1], "185.220.101.4,ip,green,\"Tor exit, guessing passwords\",Test Examiner <t@example.org>,") ||
		!strings.HasPrefix(rows[2], "evil.example,domain,amber+strict,,") {
		t.Errorf("iocs.csv:\n%s", csv)
	}
	stix, _ := os.ReadFile(filepath.Join(good, fileSTIX))
	for _, want := range []string{`"casefile:curated-ioc"`, `"tlp:amber+strict"`, `"pattern": "[domain-name:value = 'evil.example']"`,
		`"marking-definition--` + tlpMarkings["green"] + `"`, `"name": "TLP:GREEN"`} {
		if !bytes.Contains(stix, []byte(want)) {
			t.Errorf("stix-bundle.json lacks %s", want)
		}
	}
	if bytes.Contains(stix, []byte("192.0.2.200")) {
		t.Errorf("the withdrawn indicator is in the STIX bundle")
	}
	report, _ := os.ReadFile(filepath.Join(good, fileReport))
	for _, want := range []string{"<h2>Examiner's notes</h2>", "Password guessing from a Tor exit", "<strong>through Tor</strong>",
		"Cites: E1 (&#34;auth.log&#34;), line 2; source 185.220.101.4."} {
		if !bytes.Contains(report, []byte(want)) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	notes := report[bytes.Index(report, []byte("Examiner's notes")):bytes.Index(report, []byte("4. Chain of custody"))]
	if bytes.Contains(report, []byte("<script>alert(1)")) || bytes.Contains(notes, []byte("Internal musing")) {
		t.Errorf("report.html shows raw HTML or a note not for the report:\n%s", notes)
	}

	for _, c := range []struct {
		name, where string
		damage      func(dir string)
	}{
		{"iocs.csv says another TLP", fileIOCsCSV, func(dir string) {
			replaceIn(t, filepath.Join(dir, fileIOCsCSV), "185.220.101.4,ip,green", "185.220.101.4,ip,clear")
		}},
		{"iocs.csv removed", fileIOCsCSV, func(dir string) {
			os.Remove(filepath.Join(dir, fileIOCsCSV))
			replaceIn(t, filepath.Join(dir, fileManifest), `"path": "iocs.csv"`, `"path": "gone"`)
		}},
		{"a curated indicator's TLP", fileSTIX, func(dir string) {
			replaceIn(t, filepath.Join(dir, fileSTIX), `"tlp:amber+strict"`, `"tlp:clear"`)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := filepath.Join(t.TempDir(), "pkg")
			os.CopyFS(bad, os.DirFS(good))
			c.damage(bad)
			resignPackage(t, tc, bad)
			r := mustVerify(t, bad)
			if r.OK || r.First().Where != c.where {
				t.Fatalf("first problem %+v, want %s", r.First(), c.where)
			}
			t.Logf("%s: %s", r.First().Where, r.First().Detail)
		})
	}

	// A selective package shows the list of its own sources only.
	sel := filepath.Join(t.TempDir(), "sel")
	o := tc.options(sel)
	o.Indicators, o.Findings = []string{"185.220.101.4"}, testFindings()[:1]
	build(t, tc, o)
	if r := mustVerify(t, sel); !r.OK {
		t.Fatalf("verify selective: %+v", r.Problems)
	}
	if b, _ := os.ReadFile(filepath.Join(sel, fileIOCsCSV)); bytes.Contains(b, []byte("evil.example")) || !bytes.Contains(b, []byte("185.220.101.4")) {
		t.Errorf("selective iocs.csv:\n%s", b)
	}
}

// resignPackage re-signs a changed package with the case key, as a forger
// holding the key would: the manifest, SHA256SUMS and their signatures.
func resignPackage(t *testing.T, tc *testCase, dir string) {
	t.Helper()
	raw, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	var m Manifest
	if err := jsonUnmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	files := m.Files[:0]
	for _, f := range m.Files {
		b, err := os.ReadFile(filepath.Join(dir, f.Path))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		f.SHA256, f.Size = sha256Hex(b), int64(len(b))
		files = append(files, f)
	}
	m.Files = files
	mj := jsonIndent(t, &m)
	sig, _ := tc.signer.SignBlob(mj)
	os.WriteFile(filepath.Join(dir, "manifest.json"), mj, 0o644)
	os.WriteFile(filepath.Join(dir, "manifest.sig"), sig, 0o644)
	pk, _ := readPackage(context.Background(), dir)
	sums := sumsFor(m.Files, pk)
	os.WriteFile(filepath.Join(dir, "SHA256SUMS"), sums, 0o644)
	ssig, _ := tc.signer.SignBlob(sums)
	os.WriteFile(filepath.Join(dir, "SHA256SUMS.sig"), ssig, 0o644)
}

// TestCuratedSTIXSchemas validates the curated indicators and the TLP
// marking definitions they add against the OASIS STIX 2.1 schemas.
func TestCuratedSTIXSchemas(t *testing.T) {
	tc := newTestCase(t)
	annotateCase(t, tc)
	out := filepath.Join(t.TempDir(), "pkg")
	build(t, tc, tc.options(out))
	raw, err := os.ReadFile(filepath.Join(out, fileSTIX))
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]int{}
	for _, o := range stixtest.Validate(t, raw) { // every object, the bundle and its references
		labels, _ := o["labels"].([]any)
		if curated := len(labels) > 0 && labels[0] == curatedLabel; curated || o["type"] == "marking-definition" {
			checked[o["type"].(string)]++
		}
	}
	// The bundle's TLP:AMBER, and TLP:GREEN for 185.220.101.4; evil.example's
	// AMBER+STRICT is AMBER.
	if checked["indicator"] != 2 || checked["marking-definition"] != 2 {
		t.Errorf("checked %v", checked)
	}
}
