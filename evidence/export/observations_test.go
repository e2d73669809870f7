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

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
)

// observedCase is the test case with one observations.recorded entry, as
// observe records it, holding what a Tor list said of 185.220.101.4 and
// of 81.2.69.142, cited by the finding on 185.220.101.4, and the
// assessment entry over the findings. It returns the findings, their
// leaves and the observations entry.
func observedCase(t *testing.T) (*testCase, []Finding, [][]byte, uint64) {
	t.Helper()
	tc := newTestCase(t)
	ctx := context.Background()
	res, err := tc.c.Ingest(ctx, strings.NewReader("ExitNode 0011\nExitAddress 185.220.101.4 2026-11-20 08:10:00\nExitAddress 81.2.69.142 2026-11-20 08:10:00\n"),
		evidence.ArtefactMeta{Name: "exit-addresses", Source: "enrichment dataset", ModTime: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}, evidence.IngestOptions{Actor: testExaminer})
	if err != nil {
		t.Fatal(err)
	}
	tc.arts["exit-addresses"] = res.Digest
	date := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	obs := func(ind, note string) []enrich.Observation {
		return []enrich.Observation{{Dataset: res.Digest.String(), DatasetDate: date, Indicator: ind, Source: "tor-exit-addresses", SourceType: enrich.TypeTorExits,
			Fields: map[string]any{"exit": true, "note": note}}}
	}
	if _, err := observe.NewRecorder(tc.c, testExaminer, nil).Record(ctx, observe.Source{Dataset: res.Digest.String(), Name: "tor-exit-addresses", Type: enrich.TypeTorExits, Date: date},
		map[string][]enrich.Observation{"185.220.101.4": obs("185.220.101.4", "relay seen"), "81.2.69.142": obs("81.2.69.142", "GB broadband exit")}); err != nil {
		t.Fatal(err)
	}
	entry := tc.c.Log().Size() - 1
	fs := testFindings()
	fs[0].Factors[0].Evidence = []string{"entry:" + strconv.FormatUint(entry, 10)}
	fs = append(fs, Finding{Indicator: "81.2.69.142", Type: "ip", Role: "undetermined", Probability: 0.4, Words: "roughly even chance",
		Confidence: "low", Statement: "81.2.69.142 browsed the shop.", Recommendation: "None."})
	leaves := testLeaves(t, fs)
	recordAssessment(t, tc, leaves)
	return tc, fs, leaves, entry
}

// TestSelectiveObservations: the observations entry a selected finding
// cites is shown (it names no indicator: it commits to its observations
// per leaf), with each observation of the selected source as a leaf proven
// against its observations_root, and nothing of the other source's. A
// forged observation, re-signed, is named; a complete package holds every
// observation of the entry, checked against the root.
func TestSelectiveObservations(t *testing.T) {
	tc, fs, leaves, entry := observedCase(t)
	// A second source said something of both; no finding cites it.
	ctx := context.Background()
	whois := "sha256:" + strings.Repeat("5e", 32)
	answer := func(ind, org string) []enrich.Observation {
		return []enrich.Observation{{Dataset: whois, Indicator: ind, Source: "whois:test", SourceType: enrich.TypeWHOIS, Fields: map[string]any{"org": org}}}
	}
	if _, err := observe.NewRecorder(tc.c, testExaminer, nil).Record(ctx, observe.Source{Dataset: whois, Name: "whois:test", Type: enrich.TypeWHOIS},
		map[string][]enrich.Observation{"185.220.101.4": answer("185.220.101.4", "Relay Org"), "81.2.69.142": answer("81.2.69.142", "GB broadband ISP")}); err != nil {
		t.Fatal(err)
	}
	uncited := tc.c.Log().Size() - 1
	dir := t.TempDir()
	sel := filepath.Join(dir, "selective")
	o := tc.options(sel)
	o.Indicators, o.Findings, o.Leaves, o.NoRecord = []string{"185.220.101.4"}, fs, leaves, true
	build(t, tc, o)
	if r := mustVerify(t, sel); !r.OK {
		t.Fatalf("%+v", r.Problems)
	}
	_, m := manifestOf(t, sel)
	var obsLeaf string
	n := 0
	for _, l := range m.Leaves {
		if l.Entry == entry || l.Entry == uncited {
			if l.Indicator != "185.220.101.4" {
				t.Fatalf("observation leaves %+v", m.Leaves)
			}
			if l.Entry == entry {
				obsLeaf = l.Path
			}
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d observation leaves, want one of each entry: %+v", n, m.Leaves)
	}
	if obsLeaf == "" || !strings.Contains(string(mustRead(t, filepath.Join(sel, obsLeaf))), "relay seen") {
		t.Fatalf("no observation leaf of 185.220.101.4 in %+v", m.Leaves)
	}
	for _, w := range m.Withheld {
		if w.Index == entry {
			t.Fatal("the observations entry is withheld, not shown")
		}
	}
	if !bytes.Contains(mustRead(t, filepath.Join(sel, "entries.jsonl")), []byte(`"observations_root"`)) {
		t.Fatal("the observations entry is not shown")
	}
	err := filepath.WalkDir(sel, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(filepath.Dir(p)) == "artefacts" {
			return err // the selected exhibits (access.log, the Tor list), byte for byte
		}
		if b := mustRead(t, p); bytes.Contains(b, []byte("81.2.69.142")) || bytes.Contains(b, []byte("GB broadband")) {
			t.Errorf("%s holds a value of the unselected source 81.2.69.142", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	forged := filepath.Join(dir, "forged")
	if err := os.CopyFS(forged, os.DirFS(sel)); err != nil {
		t.Fatal(err)
	}
	replaceIn(t, filepath.Join(forged, obsLeaf), "relay seen", "relay SEEN")
	resignDir(t, forged, tc.signer.SignBlob)
	if r := mustVerify(t, forged); r.OK || r.First().Where != obsLeaf {
		t.Fatalf("want the first problem at %s, got %+v", obsLeaf, r.Problems)
	}

	whole := filepath.Join(dir, "whole")
	o = tc.options(whole)
	o.Findings, o.Leaves, o.NoRecord = fs, leaves, true
	build(t, tc, o)
	if r := mustVerify(t, whole); !r.OK {
		t.Fatalf("%+v", r.Problems)
	}
	set := filepath.Join(whole, leafSetPath(entry))
	if b := mustRead(t, set); bytes.Count(b, []byte("\n")) != 2 || !bytes.Contains(b, []byte("GB broadband exit")) {
		t.Fatalf("%s:\n%s", set, b)
	}
	replaceIn(t, set, "GB broadband exit", "GB broadband EXIT")
	resignDir(t, whole, tc.signer.SignBlob)
	if r := mustVerify(t, whole); r.OK || r.First().Where != leafSetPath(entry) {
		t.Fatalf("want the first problem at %s, got %+v", leafSetPath(entry), r.Problems)
	}
}
