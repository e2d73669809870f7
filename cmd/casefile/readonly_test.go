package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence/casedir"
)

// cli runs casefile commands in-process against one case.
type cli struct {
	t   *testing.T
	env map[string]string
}

func newCLI(t *testing.T) *cli {
	dir := t.TempDir()
	return &cli{t, map[string]string{"CASEFILE_PASSPHRASE": "read only test passphrase", "CASEFILE_EXAMINER": "T <t@example.org>", "CASEFILE_CASE": filepath.Join(dir, "case")}}
}

func (c *cli) run(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(context.Background(), args, stdio{in: strings.NewReader(""), out: &out, err: &errb}, func(k string) string { return c.env[k] })
	return code, out.String(), errb.String()
}

func (c *cli) must(args ...string) string {
	c.t.Helper()
	code, out, errs := c.run(args...)
	if code != 0 {
		c.t.Fatalf("casefile %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func dirListing(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %d %v %d\n", p, st.Size(), st.Mode(), st.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

const authLog = `Nov 20 09:02:19 web01 sshd[31002]: Failed password for root from 185.220.101.4 port 55335 ssh2
Nov 20 09:20:00 web01 sshd[31099]: Accepted password for deploy from 89.160.20.130 port 51514 ssh2
`

// TestReadOnlyCommandsChangeNothing runs every command that only reads and
// compares the full listing of the case (names, sizes, modes, mtimes).
func TestReadOnlyCommandsChangeNothing(t *testing.T) {
	c := newCLI(t)
	caseDir := c.env["CASEFILE_CASE"]
	c.must("init", "--title", "read-only test")
	logf := filepath.Join(t.TempDir(), "auth.log")
	os.WriteFile(logf, []byte(authLog), 0o644)
	c.must("ingest", "--year", "2026", logf)
	before := dirListing(t, caseDir)
	for _, args := range [][]string{
		{"verify"}, {"verify", "--json"}, {"verify", "--skip-content"}, {"log"}, {"log", "--json"},
		{"events"}, {"events", "--json"}, {"indicators"}, {"indicators", "--json"},
		{"graph", "--format", "json"}, {"assess", "--no-record"},
	} {
		c.must(args...)
		if after := dirListing(t, caseDir); after != before {
			t.Fatalf("casefile %s changed the case:\nbefore:\n%s\nafter:\n%s", strings.Join(args, " "), before, after)
		}
	}
}

// TestMissingManifestReproduction: the reported data loss, as reported.
// Removing store/db/MANIFEST made 'casefile log' and 'casefile verify'
// delete the table holding every entry and then say INTACT.
func TestMissingManifestReproduction(t *testing.T) {
	c := newCLI(t)
	store := filepath.Join(c.env["CASEFILE_CASE"], "store")
	c.must("init", "--title", "manifest")
	if err := os.Remove(filepath.Join(store, "db", "MANIFEST")); err != nil {
		t.Fatal(err)
	}
	before := dirListing(t, store)
	code, out, errs := c.run("log")
	if code != exitFailure || !strings.Contains(errs, "MANIFEST is missing") {
		t.Fatalf("log: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = c.run("verify", "--json")
	var r struct {
		OK       bool
		Problems []struct{ Kind, Where, Detail string }
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != exitVerify || r.OK || len(r.Problems) == 0 || r.Problems[0].Kind != "store" {
		t.Fatalf("verify --json: exit %d %v\n%s", code, err, out)
	}
	code, out, _ = c.run("verify")
	if code != exitVerify || !strings.Contains(out, "DAMAGED") || strings.Contains(out, "INTACT") {
		t.Fatalf("verify: exit %d\n%s", code, out)
	}
	code, _, errs = c.run("ingest", "-")
	if code == exitOK || !strings.Contains(errs, "MANIFEST is missing") {
		t.Fatalf("ingest: exit %d %s", code, errs)
	}
	if after := dirListing(t, store); after != before {
		t.Fatalf("the store changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestVerifyFingerprintAndCheckpoint(t *testing.T) {
	c := newCLI(t)
	out := c.must("init", "--title", "fp")
	fp := strings.Fields(out[strings.Index(out, "fingerprint"):])[1]
	out = c.must("verify")
	if !strings.Contains(out, "key          "+fp) || !strings.Contains(out, "not proven: that no entries were removed") {
		t.Fatalf("verify text:\n%s", out)
	}
	var r struct {
		KeyFingerprint string `json:"key_fingerprint"`
		Checkpoint     struct {
			Size uint64
			Root string
		}
	}
	json.Unmarshal([]byte(c.must("verify", "--json")), &r)
	if r.KeyFingerprint != fp || r.Checkpoint.Size != 1 {
		t.Fatalf("verify --json: %+v", r)
	}
	written := fmt.Sprintf("%d:%s", r.Checkpoint.Size, r.Checkpoint.Root)
	c.must("ingest", "-")
	if out := c.must("verify", "--checkpoint", written); !strings.Contains(out, "log extended") {
		t.Fatalf("verify --checkpoint %s:\n%s", written, out)
	}
	code, out, errs := c.run("verify", "--checkpoint", "5:"+r.Checkpoint.Root)
	if code != exitVerify || !strings.Contains(out, "entries 2 to 4 were removed") {
		t.Fatalf("a longer trusted checkpoint: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := c.run("verify", "--checkpoint", "nonsense"); code != exitUsage {
		t.Fatalf("--checkpoint nonsense: exit %d %s", code, errs)
	}
}

func TestInitRefusesWeakPassphrase(t *testing.T) {
	c := newCLI(t)
	for _, p := range []string{"1", "aaaaaaaaaaaaaaaa", "eleven char"} {
		c.env["CASEFILE_PASSPHRASE"] = p
		code, _, errs := c.run("init")
		if code != exitFailure || !strings.Contains(errs, "passphrase too weak") {
			t.Fatalf("init with %q: exit %d %s", p, code, errs)
		}
		if _, err := os.Stat(c.env["CASEFILE_CASE"]); err == nil {
			t.Fatalf("init with %q created the case directory", p)
		}
	}
}

// TestIngestOnFullDisk: ingest more than a small tmpfs holds. A clear error
// (exit 3, no goroutine dump), nothing of it in the pack, and the case
// verifies afterwards.
func TestIngestOnFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("disk full: mounting a small tmpfs needs root; skipped")
	}
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("disk full: mounting a tmpfs is not permitted here (%v: %s); skipped", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() }) // lazily: even while a failed test holds files
	c := newCLI(t)
	c.env["CASEFILE_CASE"] = filepath.Join(mnt, "case")
	c.must("init")
	pack := filepath.Join(mnt, "case", "store", "packs", "pack-000001.dat")
	before, _ := os.Stat(pack)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"ingest", "--format", "none", "-"}, stdio{in: io.LimitReader(rand.NewChaCha8([32]byte{1}), 90<<20), out: &out, err: &errb}, func(k string) string { return c.env[k] })
	if code != exitFailure || !strings.Contains(errb.String(), "disk full") || strings.Contains(errb.String(), "goroutine") {
		t.Fatalf("ingest on a full disk: exit %d\n%s%s", code, out.String(), errb.String())
	}
	if after, _ := os.Stat(pack); after.Size() != before.Size() {
		t.Fatalf("pack grew from %d to %d bytes", before.Size(), after.Size())
	}
	if out := c.must("verify"); !strings.Contains(out, "INTACT") {
		t.Fatalf("verify after disk full:\n%s", out)
	}
}

// TestTruncationWithDerivedDataRemoved rolls the store back to an earlier
// state: the newest entries go together with their checkpoints, tree
// hashes and derived events, and what remains is a whole, signed log.
// Verify alone cannot tell, and says so; with a checkpoint the examiner
// kept (written down, or a file) the removal is found.
func TestTruncationWithDerivedDataRemoved(t *testing.T) {
	c := newCLI(t)
	store := filepath.Join(c.env["CASEFILE_CASE"], "store")
	c.must("init", "--title", "truncation")
	logf := filepath.Join(t.TempDir(), "auth.log")
	os.WriteFile(logf, []byte(authLog), 0o644)
	c.must("ingest", "--year", "2026", logf)
	earlier := filepath.Join(t.TempDir(), "store")
	copyTree(t, store, earlier)

	os.WriteFile(logf, []byte(strings.ReplaceAll(authLog, "185.220.101.4", "198.51.100.7")), 0o644)
	c.must("ingest", "--year", "2026", logf)
	var r struct {
		Entries    uint64
		Checkpoint struct {
			Size uint64
			Root string
		}
	}
	json.Unmarshal([]byte(c.must("verify", "--json")), &r)
	written := fmt.Sprintf("%d:%s", r.Checkpoint.Size, r.Checkpoint.Root)
	h, err := casedir.Open(c.env["CASEFILE_CASE"], casedir.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	noteFile := filepath.Join(t.TempDir(), "checkpoint.txt")
	os.WriteFile(noteFile, h.Log().Checkpoint(), 0o644)
	h.Close()
	if out := c.must("events", "--indicator", "198.51.100.7"); !strings.Contains(out, "198.51.100.7") {
		t.Fatalf("events of the second log:\n%s", out)
	}

	os.RemoveAll(store)
	copyTree(t, earlier, store)
	out := c.must("verify")
	if !strings.Contains(out, "INTACT") || !strings.Contains(out, "not proven: that no entries were removed from the end of the log") {
		t.Fatalf("verify of the shortened log, without a kept checkpoint:\n%s", out)
	}
	if out := c.must("events", "--indicator", "198.51.100.7"); strings.Contains(out, "198.51.100.7") {
		t.Fatalf("the derived events were not removed:\n%s", out)
	}
	for _, cp := range []string{written, noteFile} {
		code, out, _ := c.run("verify", "--checkpoint", cp)
		if code != exitVerify || !strings.Contains(out, fmt.Sprintf("covers %d entries but the log holds only", r.Entries)) || !strings.Contains(out, "were removed") {
			t.Fatalf("verify --checkpoint %s: exit %d\n%s", cp, code, out)
		}
	}
}
