package export

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence"
)

// scopeCase is the test case plus what an assessment of 185.220.101.4
// cites: a Tor exit list and a WHOIS answer (preserved artefacts), an
// observation entry that also names 81.2.69.142 (a kind observe does
// not index, so that the case verifies), and the assessment
// entry. 81.2.69.142 appears only in access.log and in that entry.
func scopeCase(t *testing.T) (*testCase, []Finding) {
	t.Helper()
	tc := newTestCase(t)
	ctx := context.Background()
	for name, data := range map[string]string{
		"exit-addresses": "ExitNode 0011\nPublished 2026-11-20 08:00:00\nExitAddress 185.220.101.4 2026-11-20 08:10:00\n",
		"whois.txt":      "% RIPE answer\ninetnum: 185.220.101.0 - 185.220.101.255\nnetname: TOR-EXIT\n",
	} {
		res, err := tc.c.Ingest(ctx, strings.NewReader(data), evidence.ArtefactMeta{Name: name, Source: "enrichment dataset", ModTime: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}, evidence.IngestOptions{Actor: testExaminer})
		if err != nil {
			t.Fatal(err)
		}
		tc.arts[name] = res.Digest
	}
	es, err := tc.c.Append(ctx,
		evidence.Draft{Kind: "observation.recorded", Actor: testExaminer, Payload: map[string]any{"dataset": tc.arts["exit-addresses"].String(),
			"observations": []any{map[string]any{"indicator": "185.220.101.4", "fields": map[string]any{"exit": true}}, map[string]any{"indicator": "81.2.69.142", "fields": map[string]any{"country": "GB"}}}}},
		evidence.Draft{Kind: kindAssessment, Actor: "Ann Analyst <ann@example.org>", Payload: map[string]any{"model": "casefile-attrib/2", "model_digest": "sha256:" + strings.Repeat("ab", 32), "sources": 3}},
	)
	if err != nil {
		t.Fatal(err)
	}
	fs := testFindings()
	// The observation entry names its dataset (the Tor list); the WHOIS
	// answer and a log line are cited directly.
	fs[0].Factors[0].Evidence = []string{"entry:" + strconv.FormatUint(es[0].Index, 10), tc.arts["whois.txt"].String(), tc.arts["auth.log"].String() + "#L1"}
	fs = append(fs, Finding{Indicator: "81.2.69.142", Type: "ip", Role: "undetermined", Probability: 0.4, Words: "roughly even chance",
		Confidence: "low", Statement: "81.2.69.142 browsed the shop (GB broadband).", Recommendation: "None."})
	return tc, fs
}

// TestSelectiveScope: a selective package holds the findings, STIX, CASE
// and report of the selected sources only, everything their findings cite
// (the assessment entry, the datasets and WHOIS answers, the observations
// entry as a proven leaf hash since it also names another source), and no
// value of an unselected source in any file.
func TestSelectiveScope(t *testing.T) {
	tc, fs := scopeCase(t)
	dir := t.TempDir()
	for _, c := range []struct {
		name         string
		indicators   []string
		artefacts    []evidence.Digest
		sources      string
		skipArtefact string // an artefact of the selection that holds the unselected value itself
	}{
		{"artefact", nil, []evidence.Digest{tc.arts["auth.log"]}, "130.37.1.20,171.25.193.78,185.220.101.4", ""},
		{"indicator", []string{"185.220.101.4"}, nil, "185.220.101.4", tc.arts["access.log"].Hex()},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, c.name)
			o := tc.options(out)
			o.Indicators, o.Artefacts, o.Findings = c.indicators, c.artefacts, fs
			build(t, tc, o)
			if r := mustVerify(t, out); !r.OK {
				t.Fatalf("%+v", r.Problems)
			}
			var m Manifest
			if err := jsonUnmarshal(mustRead(t, filepath.Join(out, "manifest.json")), &m); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(m.Export.Sources, ","); got != c.sources {
				t.Fatalf("sources %s, want %s", got, c.sources)
			}
			for _, name := range []string{"exit-addresses", "whois.txt", "auth.log"} {
				if _, err := os.Stat(filepath.Join(out, "artefacts", tc.arts[name].Hex())); err != nil {
					t.Errorf("cited artefact %s is missing: %v", name, err)
				}
			}
			if m.Assessment == nil || len(m.Withheld) != 1 || m.Withheld[0].Kind != "observation.recorded" {
				t.Fatalf("assessment %v withheld %+v", m.Assessment, m.Withheld)
			}
			if html := string(mustRead(t, filepath.Join(out, "report.html"))); !strings.Contains(html, "(withheld)") {
				t.Error("the report does not show the withheld entry")
			}
			if m.Findings != 2 && c.name == "artefact" || m.Findings != 1 && c.name == "indicator" {
				t.Fatalf("%d findings", m.Findings)
			}
			err := filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() || (c.skipArtefact != "" && d.Name() == c.skipArtefact) {
					return err
				}
				if b := mustRead(t, p); bytes.Contains(b, []byte("81.2.69.142")) || bytes.Contains(b, []byte("GB broadband")) {
					t.Errorf("%s names the unselected source 81.2.69.142", p)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
