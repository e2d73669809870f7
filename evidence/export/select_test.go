package export

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
)

// TestSelective exports by indicator and by artefact: the package holds
// exactly the selected artefacts and entries, nothing of the rest, and its
// proofs verify against the full log's checkpoint.
func TestSelective(t *testing.T) {
	tc := newTestCase(t)
	dir := t.TempDir()
	for _, c := range []struct {
		name       string
		indicators []string
		artefacts  []evidence.Digest
		wantArts   []string
		wantIdx    []uint64
	}{
		// 81.2.69.142 appears only in access.log: entry 0, its ingest (3)
		// and parse (4) entries.
		{"indicator", []string{"81.2.69.142"}, nil, []string{"access.log"}, []uint64{0, 3, 4}},
		// 185.220.101.4 appears in both logs and in the observation (6).
		{"indicator-two-logs", []string{"185.220.101.4"}, nil, []string{"auth.log", "access.log"}, []uint64{0, 1, 2, 3, 4, 6}},
		{"artefact", nil, []evidence.Digest{tc.arts["notes.bin"]}, []string{"notes.bin"}, []uint64{0, 5}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, c.name+".zip")
			o := tc.options(out)
			o.Indicators, o.Artefacts, o.AsOf = c.indicators, c.artefacts, 8
			res := build(t, tc, o)
			r := mustVerify(t, out)
			if !r.OK {
				t.Fatalf("%+v", r.Problems)
			}
			if r.Artefacts != len(c.wantArts) || res.Entries != len(c.wantIdx) || r.Checkpoint.Size != 8 {
				t.Fatalf("artefacts %d entries %d checkpoint %d", r.Artefacts, res.Entries, r.Checkpoint.Size)
			}
			pk, err := readPackage(context.Background(), out)
			if err != nil {
				t.Fatal(err)
			}
			var got []uint64
			for _, l := range bytes.Split(bytes.TrimSuffix(pk.files["entries.jsonl"].data, []byte("\n")), []byte("\n")) {
				e, err := evidence.ParseEntry(l)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, e.Index)
			}
			if !equalU(got, c.wantIdx) {
				t.Fatalf("entries %v, want %v", got, c.wantIdx)
			}
			want := map[string]bool{}
			for _, n := range c.wantArts {
				want[tc.arts[n].Hex()] = true
			}
			for name, d := range tc.arts {
				_, present := pk.files["artefacts/"+d.Hex()]
				if present != want[d.Hex()] {
					t.Fatalf("artefact %s present=%v", name, present)
				}
				if !want[d.Hex()] {
					// An excluded artefact leaves no trace: not its bytes,
					// not its hash, not its name.
					raw, _ := os.ReadFile(filepath.Join("testdata", name))
					for fn, f := range pk.files {
						if f.data != nil && (bytes.Contains(f.data, []byte(d.Hex())) || (len(raw) > 20 && bytes.Contains(f.data, raw[:20]))) {
							t.Fatalf("excluded %s appears in %s", name, fn)
						}
						if name != "notes.bin" && f.data != nil && strings.Contains(string(f.data), `"name":"`+name+`"`) {
							t.Fatalf("excluded %s named in %s", name, fn)
						}
					}
				}
			}
			if bytes.Contains(pk.files["entries.jsonl"].data, []byte("called the hosting provider")) {
				t.Fatal("an unrelated entry was exported")
			}
		})
	}
	if _, err := Build(context.Background(), tc.c, func() Options {
		o := tc.options(filepath.Join(dir, "none"))
		o.Indicators = []string{"192.0.2.99"}
		return o
	}()); err == nil {
		t.Fatal("a selection matching nothing was exported")
	}
}

func equalU(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestReproducible builds the same case state twice (the second as of the
// first's checkpoint, since the first records an entry) and compares bytes.
func TestReproducible(t *testing.T) {
	tc := newTestCase(t)
	dir := t.TempDir()
	for _, ext := range []string{".tar.gz", ".zip"} {
		a, b := filepath.Join(dir, "a"+ext), filepath.Join(dir, "b"+ext)
		oa := tc.options(a)
		oa.AsOf = 8
		build(t, tc, oa)
		ob := tc.options(b)
		ob.AsOf = 8
		build(t, tc, ob)
		ba, _ := os.ReadFile(a)
		bb, _ := os.ReadFile(b)
		if len(ba) == 0 || !bytes.Equal(ba, bb) {
			t.Fatalf("%s: two builds differ (%d and %d bytes)", ext, len(ba), len(bb))
		}
	}
	// A dry run changes nothing in the log.
	n := tc.c.Log().Size()
	o := tc.options(filepath.Join(dir, "dry"))
	o.NoRecord = true
	build(t, tc, o)
	if tc.c.Log().Size() != n {
		t.Fatal("NoRecord recorded an entry")
	}
}

// Exhibit numbers follow custody order and are the same in every package
// of a case: E2 is access.log in the full package and in one that holds
// access.log alone.
func TestExhibitNumbersStable(t *testing.T) {
	tc := newTestCase(t)
	dir := t.TempDir()
	exhibits := func(o Options) map[string]string {
		build(t, tc, o)
		pk, err := readPackage(context.Background(), o.Out)
		if err != nil {
			t.Fatal(err)
		}
		var m Manifest
		if err := json.Unmarshal(pk.files[fileManifest].data, &m); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, a := range m.Artefacts {
			got[a.SHA256] = a.Exhibit
		}
		return got
	}
	full := exhibits(tc.options(filepath.Join(dir, "full")))
	for i, name := range []string{"auth.log", "access.log", "notes.bin"} { // the order newTestCase preserves them in
		if want := fmt.Sprintf("E%d", i+1); full[tc.arts[name].Hex()] != want {
			t.Fatalf("%s is %s in the full package, want %s (%v)", name, full[tc.arts[name].Hex()], want, full)
		}
	}
	o := tc.options(filepath.Join(dir, "one"))
	o.Artefacts = []evidence.Digest{tc.arts["access.log"]}
	one := exhibits(o)
	if len(one) != 1 || one[tc.arts["access.log"].Hex()] != full[tc.arts["access.log"].Hex()] {
		t.Fatalf("selective package numbers %v, full %v", one, full)
	}
}

// TestSelectiveProven: the selected source's finding is proven against
// the assessment entry. A flipped byte of its leaf or proof is named; so
// is a leaf, a proof or a document that a forger re-signed with the case
// key: the leaf no longer hashes to the entry's result_root, or the
// STIX, CASE or report say something else than the proven leaf.
func TestSelectiveProven(t *testing.T) {
	tc, fs, leaves := scopeCase(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	o := tc.options(good)
	o.Indicators, o.Findings, o.Leaves, o.NoRecord = []string{"185.220.101.4"}, fs, leaves, true
	build(t, tc, o)
	_, m := manifestOf(t, good)
	if len(m.Leaves) != 1 {
		t.Fatalf("leaves %+v", m.Leaves)
	}
	leaf, proof := m.Leaves[0].Path, m.Leaves[0].Proof
	for _, c := range []struct {
		name, where string
		resign      bool
		damage      func(d string)
	}{
		{"flipped-leaf", leaf, false, func(d string) { flip(t, filepath.Join(d, leaf), func(n int) int { return n / 2 }) }},
		{"flipped-proof", proof, false, func(d string) { flip(t, filepath.Join(d, proof), func(n int) int { return n - 3 }) }},
		{"forged-leaf", leaf, true, func(d string) { replaceIn(t, filepath.Join(d, leaf), `"probability":0.93`, `"probability":0.39`) }},
		{"forged-proof", leaf, true, func(d string) {
			// Another well-formed hash in place of the leaf's sibling.
			p := filepath.Join(d, proof)
			lines := strings.Split(string(mustRead(t, p)), "\n")
			lines[4] = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
			writeOrFail(t, p, []byte(strings.Join(lines, "\n")))
		}},
		{"forged-case", "case.jsonld", true, func(d string) {
			replaceIn(t, filepath.Join(d, "case.jsonld"), "very likely anonymization-relay (p = 0.93)", "very likely perpetrator-infrastructure (p = 0.93)")
		}},
		{"forged-stix", "stix-bundle.json", true, func(d string) {
			replaceIn(t, filepath.Join(d, "stix-bundle.json"), `"confidence": 85`, `"confidence": 50`)
		}},
		{"forged-report", "report.html", true, func(d string) {
			replaceIn(t, filepath.Join(d, "report.html"), "(p = 0.93)", "(p = 0.99)")
		}},
		{"dropped-leaf", "manifest.json", true, func(d string) {
			_, m := manifestOf(t, d)
			os.Remove(filepath.Join(d, leaf))
			os.Remove(filepath.Join(d, proof))
			m.Leaves = nil
			var files []ManifestFile
			for _, f := range m.Files {
				if f.Path != leaf && f.Path != proof {
					files = append(files, f)
				}
			}
			m.Files = files
			writeOrFail(t, filepath.Join(d, "manifest.json"), jsonIndent(t, m))
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := filepath.Join(dir, c.name)
			if err := os.CopyFS(d, os.DirFS(good)); err != nil {
				t.Fatal(err)
			}
			c.damage(d)
			if c.resign {
				resignDir(t, d, tc.signer.SignBlob)
			}
			r := mustVerify(t, d)
			if c.name == "dropped-leaf" {
				// Without its leaf the finding is unproven, which the
				// package may say; it then reports no proven finding.
				if !r.OK || r.FindingsProven != 0 {
					t.Fatalf("%+v proven %d", r.Problems, r.FindingsProven)
				}
				return
			}
			if r.OK || r.First().Where != c.where {
				t.Fatalf("want the first problem at %s, got %+v", c.where, r.Problems)
			}
			t.Logf("%s: %s", r.First().Where, r.First().Detail)
		})
	}
}

func replaceIn(t *testing.T, p, old, new string) {
	t.Helper()
	b := mustRead(t, p)
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s holds no %q", p, old)
	}
	writeOrFail(t, p, bytes.Replace(b, []byte(old), []byte(new), 1))
}

// TestOldAssessment: a case whose assessment entry was recorded by an
// earlier version (one digest over the whole result, sources counted by
// role) still exports: whole, with the entry; selectively, with the entry
// proven by its hash only, since its totals speak of every source. Its
// findings cannot be proven per source, and Build says so when asked to.
func TestOldAssessment(t *testing.T) {
	tc := newTestCase(t)
	old, err := tc.c.Append(context.Background(), evidence.Draft{Kind: kindAssessment, Actor: "Ann Analyst <ann@example.org>", Payload: map[string]any{
		"model": "casefile-attrib/2", "model_digest": "sha256:" + strings.Repeat("ab", 32), "tree_size": 8,
		"result_digest": "sha256:" + strings.Repeat("cd", 32), "sources": 3,
		"roles":   map[string]int{"anonymization-relay": 1, "compromised-third-party": 1, "undetermined": 1},
		"summary": "assessed 3 sources with casefile-attrib/2 over the first 8 entries: [1 anonymization-relay 1 compromised-third-party 1 undetermined]"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole")
	build(t, tc, tc.options(whole))
	if r := mustVerify(t, whole); !r.OK || r.Findings != 2 || r.FindingsProven != 0 {
		t.Fatalf("%+v", r.Problems)
	}
	if _, m := manifestOf(t, whole); m.Assessment == nil || *m.Assessment != old[0].Index {
		t.Fatalf("the whole case's package rests on assessment %v", m.Assessment)
	}

	sel := filepath.Join(dir, "selective")
	o := tc.options(sel)
	o.Indicators = []string{"185.220.101.4"}
	build(t, tc, o)
	if r := mustVerify(t, sel); !r.OK {
		t.Fatalf("%+v", r.Problems)
	}
	_, m := manifestOf(t, sel)
	if m.Assessment != nil || len(m.Withheld) != 1 || m.Withheld[0].Index != old[0].Index || m.Withheld[0].Reason != withheldTotals {
		t.Fatalf("assessment %v withheld %+v", m.Assessment, m.Withheld)
	}
	err = filepath.WalkDir(sel, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if m := roleTotal.Find(mustRead(t, p)); m != nil {
			t.Errorf("%s counts the case's sources by role: %s", p, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	o = tc.options(filepath.Join(dir, "proven"))
	o.Indicators, o.Leaves = []string{"185.220.101.4"}, testLeaves(t, o.Findings)
	if _, err := Build(context.Background(), tc.c, o); err == nil || !strings.Contains(err.Error(), "earlier version") {
		t.Fatalf("findings proven against an entry that commits to no leaves: %v", err)
	}
}

// TestNotRecorded: findings whose leaves are not those the latest
// assessment entry commits to are refused.
func TestNotRecorded(t *testing.T) {
	tc, fs, leaves := scopeCase(t)
	o := tc.options(filepath.Join(t.TempDir(), "p"))
	o.Findings = append([]Finding{}, fs...)
	o.Leaves = leaves
	o.Findings[0].Probability = 0.5
	if _, err := Build(context.Background(), tc.c, o); err == nil || !strings.Contains(err.Error(), "differs from what assessment entry") {
		t.Fatalf("a finding other than the recorded one was exported: %v", err)
	}
	o.Findings, o.Leaves = fs, testLeaves(t, fs)
	if _, err := Build(context.Background(), tc.c, o); err == nil || !strings.Contains(err.Error(), "not those of assessment entry") {
		t.Fatalf("findings of an unrecorded assessment were exported: %v", err)
	}
}

// TestCompleteProven: a complete package holds every leaf of the
// assessment entry in one file, whose root verify-export recomputes; each
// finding must be stated as its leaf says. A forged leaf or finding,
// re-signed with the case key, is named.
func TestCompleteProven(t *testing.T) {
	tc, fs, leaves := scopeCase(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	o := tc.options(good)
	o.Findings, o.Leaves, o.NoRecord = fs, leaves, true
	build(t, tc, o)
	r := mustVerify(t, good)
	_, m := manifestOf(t, good)
	if !r.OK || r.FindingsProven != len(fs) || len(m.Leaves) != 0 || len(m.LeafSets) != 1 || m.LeafSets[0].Leaves != uint64(len(leaves)) {
		t.Fatalf("%+v proven %d leaves %+v sets %+v", r.Problems, r.FindingsProven, m.Leaves, m.LeafSets)
	}
	set := m.LeafSets[0].Path
	if got := mustRead(t, filepath.Join(good, set)); !bytes.Equal(got, append(bytes.Join(leaves, []byte("\n")), '\n')) {
		t.Fatalf("%s is not the assessment's leaves:\n%s", set, got)
	}
	for _, c := range []struct {
		name, where string
		damage      func(d string)
	}{
		{"forged-leaf", set, func(d string) { replaceIn(t, filepath.Join(d, set), `"probability":0.71`, `"probability":0.17`) }},
		{"dropped-leaf", set, func(d string) {
			b := mustRead(t, filepath.Join(d, set))
			writeOrFail(t, filepath.Join(d, set), b[bytes.IndexByte(b, '\n')+1:])
		}},
		{"forged-case", "case.jsonld", func(d string) {
			replaceIn(t, filepath.Join(d, "case.jsonld"), "likely compromised-third-party (p = 0.71)", "likely compromised-third-party (p = 0.17)")
		}},
		{"forged-report", "report.html", func(d string) { replaceIn(t, filepath.Join(d, "report.html"), "(p = 0.71)", "(p = 0.17)") }},
		{"forged-csv", "sources.csv", func(d string) { replaceIn(t, filepath.Join(d, "sources.csv"), ",0.71,", ",0.17,") }},
		{"dropped-csv-row", "sources.csv", func(d string) {
			b := mustRead(t, filepath.Join(d, "sources.csv"))
			i := bytes.Index(b, []byte("\r\n81.2.69.142,"))
			j := bytes.Index(b[i+2:], []byte("\r\n"))
			writeOrFail(t, filepath.Join(d, "sources.csv"), append(b[:i:i], b[i+2+j:]...))
		}},
		{"forged-json", "report.json", func(d string) {
			replaceIn(t, filepath.Join(d, "report.json"), `"probability": "0.71"`, `"probability": "0.17"`)
		}},
		{"dropped-json-source", "report.json", func(d string) {
			replaceIn(t, filepath.Join(d, "report.json"), `"indicator": "81.2.69.142"`, `"indicator": "81.2.69.143"`)
		}},
		// 81.2.69.142 is in the appendix, stated briefly beside its address.
		{"forged-brief", "report.html", func(d string) {
			replaceIn(t, filepath.Join(d, "report.html"), `<span class="rec">undetermined (p = 0.40)</span>`, `<span class="rec">undetermined (p = 0.04)</span>`)
		}},
		{"dropped-brief", "report.html", func(d string) {
			replaceIn(t, filepath.Join(d, "report.html"), `<code>81.2.69.142</code> <span class="rec">`, `<code>81.2.69.142</code> <span class="muted">`)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := filepath.Join(dir, c.name)
			if err := os.CopyFS(d, os.DirFS(good)); err != nil {
				t.Fatal(err)
			}
			c.damage(d)
			resignDir(t, d, tc.signer.SignBlob)
			r := mustVerify(t, d)
			if r.OK || r.First().Where != c.where {
				t.Fatalf("want the first problem at %s, got %+v", c.where, r.Problems)
			}
			t.Logf("%s: %s", r.First().Where, r.First().Detail)
		})
	}
}

// TestAssessmentOfSomeSources: findings cannot be proven against an
// assessment entry that a selective package must withhold (it names
// sources outside the selection).
func TestAssessmentOfSomeSources(t *testing.T) {
	tc, fs, _ := scopeCase(t)
	leaves := testLeaves(t, fs)
	tr, _ := evidence.NewLeafTree(leaves)
	if _, err := tc.c.Append(context.Background(), evidence.Draft{Kind: kindAssessment, Actor: testExaminer, Payload: map[string]any{
		"model": "casefile-attrib/2", "model_digest": "sha256:" + strings.Repeat("ab", 32), "tree_size": 3, "only": []string{"81.2.69.142", "185.220.101.4", "130.37.1.20"},
		"result_root": evidence.EncodeRoot(tr.Root()), "sources": len(leaves), "summary": "assessed 3 sources"}}); err != nil {
		t.Fatal(err)
	}
	o := tc.options(filepath.Join(t.TempDir(), "p"))
	o.Indicators, o.Findings, o.Leaves = []string{"185.220.101.4"}, fs, leaves
	if _, err := Build(context.Background(), tc.c, o); err == nil || !strings.Contains(err.Error(), "names sources outside the selection") {
		t.Fatalf("got %v", err)
	}
}
