package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
)

// export --consistency-from SIZE and verify-export --checkpoint: exit 0
// when the package extends the checkpoint the recipient holds, 1 when it
// cannot be proven or the checkpoint is forked, 2 for bad arguments.
func TestExportConsistencyFrom(t *testing.T) {
	tmp := t.TempDir()
	cs := filepath.Join(tmp, "case")
	if code, _, e := cf(t, "init", "--case", cs, "--title", "consistency"); code != 0 {
		t.Fatal(e)
	}
	ingest := func(name, line string) {
		f := writeFile(t, filepath.Join(tmp, name), line)
		if code, _, e := cf(t, "ingest", "--case", cs, "--year", "2026", f); code != 0 {
			t.Fatalf("ingest: %s", e)
		}
	}
	export := func(name string, args ...string) (int, string, string) {
		out := filepath.Join(tmp, name)
		return cf(t, append([]string{"export", "--case", cs, "--out", out, "--recipient", "counsel", "--purpose", "test", "--authorization", "test"}, args...)...)
	}
	ingest("a.log", "Nov 20 10:00:00 web01 sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2\n")
	if code, _, e := export("pkg1"); code != 0 {
		t.Fatal(e)
	}
	ingest("b.log", "Nov 20 11:00:00 web01 sshd[2]: Failed password for root from 203.0.113.10 port 22 ssh2\n")
	if code, _, e := export("bad", "--consistency-from", "0"); code != 2 {
		t.Fatalf("--consistency-from 0: %d\n%s", code, e)
	}
	code, out, e := export("pkg2", "--consistency-from", "2")
	if code != 0 || !strings.Contains(out, "consistency proven from sizes [2 ") {
		t.Fatalf("export: %d\n%s\n%s", code, out, e)
	}
	pkg1, pkg2 := filepath.Join(tmp, "pkg1"), filepath.Join(tmp, "pkg2")
	msg, err := os.ReadFile(filepath.Join(pkg2, "proofs", "checkpoint-2.txt"))
	if err != nil {
		t.Fatal(err)
	}
	held, err := evidence.ParseTrustedCheckpointNote(msg)
	if err != nil {
		t.Fatal(err)
	}
	forked := held.Root
	forked[0] ^= 1
	for _, c := range []struct {
		arg  string
		code int
		want string
	}{
		{filepath.Join(pkg1, "checkpoint.txt"), 0, "this package's log extends it"},
		{"2:" + held.Root.String(), 0, "you hold     checkpoint 2"},
		{"2:" + forked.String(), 1, "NOT PROVEN: the package is intact"},
		{"1:" + held.Root.String(), 1, "--consistency-from 1"},
		{"two:roots", 2, "--checkpoint"},
	} {
		code, out, e := cf(t, "verify-export", pkg2, "--checkpoint", c.arg)
		if code != c.code || !strings.Contains(out+e, c.want) {
			t.Errorf("--checkpoint %s: exit %d, want %d with %q\n%s\n%s", c.arg, code, c.code, c.want, out, e)
		}
	}
}
