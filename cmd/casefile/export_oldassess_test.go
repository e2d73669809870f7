package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/graph"
)

// A case whose latest assessment entry was recorded by an earlier version
// (one digest over the result, sources counted by role) still verifies and
// exports: export records the assessment again, per source, and the
// selective package proves its finding against the new entry; the old
// entry's totals appear nowhere in it.
func TestExportOldAssessment(t *testing.T) {
	tmp := t.TempDir()
	cs := filepath.Join(tmp, "case")
	if code, _, e := cf(t, "init", "--case", cs, "--title", "old assessment"); code != 0 {
		t.Fatal(e)
	}
	log := writeFile(t, filepath.Join(tmp, "auth.log"), "Nov 20 10:00:00 web01 sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2\n"+
		"Nov 20 10:05:00 web01 sshd[2]: Failed password for admin from 198.51.100.23 port 22 ssh2\n")
	if code, _, e := cf(t, "ingest", "--case", cs, "--year", "2026", log); code != 0 {
		t.Fatal(e)
	}
	h, err := casedir.Open(cs, casedir.OpenOptions{Passphrase: func() ([]byte, error) { return []byte(testEnv("CASEFILE_PASSPHRASE")), nil }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.Case.Append(context.Background(), evidence.Draft{Kind: graph.KindAssessment, Actor: "Ann Analyst <ann@example.org>", Payload: map[string]any{
		"model": "casefile-attrib/3", "model_digest": "sha256:" + strings.Repeat("ab", 32), "tree_size": h.Log().Size(),
		"result_digest": "sha256:" + strings.Repeat("cd", 32), "sources": 2, "roles": map[string]int{"undetermined": 2},
		"summary": "assessed 2 sources with casefile-attrib/3 over the first 3 entries: [2 undetermined]"}})
	h.Close()
	if err != nil {
		t.Fatal(err)
	}
	if code, out, e := cf(t, "verify", "--case", cs); code != 0 {
		t.Fatalf("verify: %s%s", out, e)
	}
	pkg := filepath.Join(tmp, "pkg")
	if code, _, e := cf(t, "export", "--case", cs, "--out", pkg, "--indicator", "203.0.113.9"); code != 0 {
		t.Fatal(e)
	}
	code, out, e := cf(t, "verify-export", pkg)
	if code != 0 || !strings.Contains(out, "findings     1, each proven") {
		t.Fatalf("verify-export: %d\n%s%s", code, out, e)
	}
	entries, err := os.ReadFile(filepath.Join(pkg, "entries.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(entries), `"result_root"`) {
		t.Fatal("the package does not rest on an assessment entry recorded per source")
	}
	filepath.WalkDir(pkg, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(filepath.Dir(p)) == "artefacts" {
			return err // the selected log, byte for byte, names what it names
		}
		b, _ := os.ReadFile(p)
		if s := string(b); strings.Contains(s, "2 undetermined") || strings.Contains(s, `"roles"`) || strings.Contains(s, "198.51.100.23") {
			t.Errorf("%s speaks of the case's other sources", p)
		}
		return nil
	})
}
