package export

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence"
)

// scopeCase is the test case plus what an assessment of 185.220.101.4
// cites: a Tor exit list and a WHOIS answer (preserved artefacts), an
// observation entry that also names 81.2.69.142 (a kind observe does
// not index, so that the case verifies), and the assessment entry, which
// commits to one leaf per assessed source (as graph.Record writes it).
// 81.2.69.142 appears only in access.log and in that observation entry;
// 203.0.113.50 is assessed (a destination the victim contacted) but no
// finding. It returns the findings and the leaves of the assessment.
func scopeCase(t *testing.T) (*testCase, []Finding, [][]byte) {
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
	leaves := testLeaves(t, fs, Finding{Indicator: "203.0.113.50", Type: "ip", Role: "contacted", Words: "contacted by the victim", Statement: "203.0.113.50 served the victim's updates."})
	recordAssessment(t, tc, leaves)
	return tc, fs, leaves
}

// testLeaves are the leaves of an assessment of these sources: each
// source's canonical JSON, sorted by indicator (the neutral Finding has
// the names of the model's result for the fields a leaf is checked on).
func testLeaves(t *testing.T, fs []Finding, more ...Finding) [][]byte {
	t.Helper()
	all := append(append([]Finding{}, fs...), more...)
	sort.Slice(all, func(i, j int) bool { return all[i].Indicator < all[j].Indicator })
	var out [][]byte
	for _, f := range all {
		b, err := evidence.Canonical(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// recordAssessment appends the assessment entry over leaves as
// graph.Record writes it.
func recordAssessment(t *testing.T, tc *testCase, leaves [][]byte) *evidence.Entry {
	t.Helper()
	tr, err := evidence.NewLeafTree(leaves)
	if err != nil {
		t.Fatal(err)
	}
	size := tc.c.Log().Size()
	es, err := tc.c.Append(context.Background(), evidence.Draft{Kind: kindAssessment, Actor: "Ann Analyst <ann@example.org>", Payload: map[string]any{
		"model": "casefile-attrib/2", "model_digest": "sha256:" + strings.Repeat("ab", 32), "tree_size": size,
		"result_root": evidence.EncodeRoot(tr.Root()), "sources": len(leaves),
		"summary": fmt.Sprintf("assessed %d sources with casefile-attrib/2 over the first %d entries", len(leaves), size)}})
	if err != nil {
		t.Fatal(err)
	}
	return es[0]
}

// roleTotal matches what an assessment entry of the earlier format said
// of the whole case: sources counted by role.
var roleTotal = regexp.MustCompile(`"roles"|[0-9]+ (perpetrator-infrastructure|anonymization-relay|compromised-third-party|abused-platform|undetermined|contacted|internal)\b`)

// TestSelectiveScope: a selective package holds the findings, STIX, CASE
// and report of the selected sources only, everything their findings cite
// (the assessment entry, the datasets and WHOIS answers, the observations
// entry as a proven leaf hash since it also names another source), the
// assessment leaf of each selected finding with its proof, and no value
// of an unselected source in any file: not its indicator, not its
// assessment, not the case's sources counted by role.
func TestSelectiveScope(t *testing.T) {
	tc, fs, leaves := scopeCase(t)
	dir := t.TempDir()
	for _, c := range []struct {
		name         string
		indicators   []string
		artefacts    []evidence.Digest
		sources      string
		skipArtefact string   // an artefact of the selection that holds the unselected value itself
		unselected   []string // values of the unselected sources (outside the selected artefacts)
	}{
		{"artefact", nil, []evidence.Digest{tc.arts["auth.log"]}, "130.37.1.20,171.25.193.78,185.220.101.4", "",
			[]string{"81.2.69.142", "GB broadband", "203.0.113.50", "served the victim"}},
		{"indicator", []string{"185.220.101.4"}, nil, "185.220.101.4", tc.arts["access.log"].Hex(),
			[]string{"81.2.69.142", "GB broadband", "203.0.113.50", "served the victim", "130.37.1.20", "university", `"probability":0.71`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, c.name)
			o := tc.options(out)
			o.Indicators, o.Artefacts, o.Findings, o.Leaves = c.indicators, c.artefacts, fs, leaves
			build(t, tc, o)
			r := mustVerify(t, out)
			if !r.OK {
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
			// Each finding is proven by its leaf of the assessment entry.
			if len(m.Leaves) != m.Findings || r.FindingsProven != m.Findings {
				t.Fatalf("leaves %+v, %d findings proven", m.Leaves, r.FindingsProven)
			}
			for _, l := range m.Leaves {
				if l.Entry != *m.Assessment || !bytes.Equal(mustRead(t, filepath.Join(out, l.Path)), leaves[l.Index]) {
					t.Fatalf("leaf %+v is not the assessment's leaf %d", l, l.Index)
				}
			}
			err := filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() || (c.skipArtefact != "" && d.Name() == c.skipArtefact) {
					return err
				}
				b := mustRead(t, p)
				if bytes.Contains(b, []byte("81.2.69.142")) || bytes.Contains(b, []byte("GB broadband")) {
					t.Errorf("%s names the unselected source 81.2.69.142", p)
				}
				if m := roleTotal.Find(b); m != nil {
					t.Errorf("%s counts the case's sources by role: %s", p, m)
				}
				if strings.Contains(p, string(filepath.Separator)+"artefacts"+string(filepath.Separator)) {
					return nil // the selected exhibits, byte for byte
				}
				for _, v := range c.unselected {
					if bytes.Contains(b, []byte(v)) {
						t.Errorf("%s holds %q, of an unselected source", p, v)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
