package casedir_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/casedir"
)

// listing is every file and directory under dir with its size, mode and
// modification time: what a read-only open must leave exactly as it was.
func listing(t *testing.T, dir string) string {
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
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(&b, "%s %d %v %d\n", rel, st.Size(), st.Mode(), st.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// withContent makes a case holding an artefact beside case.created.
func withContent(t *testing.T) string {
	t.Helper()
	dir := create(t)
	h, err := casedir.Open(dir, casedir.OpenOptions{Passphrase: passFn(pass)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Ingest(context.Background(), strings.NewReader(strings.Repeat("a log line\n", 1000)), evidence.ArtefactMeta{Name: "a.log"}, evidence.IngestOptions{Actor: "E"}); err != nil {
		t.Fatal(err)
	}
	h.Close()
	return dir
}

func readEverything(t *testing.T, dir string) (*evidence.Report, error) {
	t.Helper()
	h, err := casedir.Open(dir, casedir.OpenOptions{})
	if err != nil {
		return nil, err
	}
	defer h.Close()
	n := 0
	if err := h.Entries(0, func(*evidence.Entry) error { n++; return nil }); err != nil || n != 2 {
		t.Fatalf("entries: %d %v", n, err)
	}
	return h.Verify(context.Background(), evidence.VerifyOptions{})
}

func TestReadOnlyOpenChangesNothing(t *testing.T) {
	dir := withContent(t)
	before := listing(t, dir)
	r, err := readEverything(t, dir)
	if err != nil || !r.OK {
		t.Fatalf("verify: %v %+v", err, r)
	}
	if after := listing(t, dir); after != before {
		t.Fatalf("a read-only open changed the case:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// A copy without a lock file is read without creating one.
	os.Remove(filepath.Join(dir, casedir.LockFile))
	before = listing(t, dir)
	if _, err := readEverything(t, dir); err != nil {
		t.Fatal(err)
	}
	if after := listing(t, dir); after != before {
		t.Fatalf("a read-only open without lock file changed the case:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestReadOnlyOnWriteProtectedMount verifies a case through a read-only
// bind mount, as an expert checks a write-blocked copy.
func TestReadOnlyOnWriteProtectedMount(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("read-only bind mount: needs root; skipped")
	}
	dir := withContent(t)
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "--bind", "-o", "ro", dir, mnt).CombinedOutput(); err != nil {
		t.Skipf("read-only bind mount not permitted here (%v: %s); skipped", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() }) // lazily: even while a failed test holds files
	if err := os.WriteFile(filepath.Join(mnt, "probe"), nil, 0o600); err == nil {
		t.Skip("the bind mount is writable (kernel ignored ro); skipped")
	}
	before := listing(t, dir)
	r, err := readEverything(t, mnt)
	if err != nil || !r.OK {
		t.Fatalf("verify on a read-only mount: %v %+v", err, r)
	}
	if after := listing(t, dir); after != before {
		t.Fatalf("the case changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestMissingManifestDeletesNothing is the reproduction: without
// store/db/MANIFEST, Badger took the database for a new one and deleted
// the table holding every entry. Every open now refuses, naming the
// damage, and leaves every file in place.
func TestMissingManifestDeletesNothing(t *testing.T) {
	dir := withContent(t)
	if err := os.Remove(filepath.Join(dir, casedir.StoreDir, "db", "MANIFEST")); err != nil {
		t.Fatal(err)
	}
	// Writable opens (which take the case lock) must leave the store as it is.
	store := filepath.Join(dir, casedir.StoreDir)
	before := listing(t, store)
	for _, o := range []casedir.OpenOptions{{}, {Recover: true}, {Passphrase: passFn(pass)}} {
		_, err := casedir.Open(dir, o)
		if !errors.Is(err, evidence.ErrStoreDamaged) || !strings.Contains(err.Error(), "MANIFEST is missing") {
			t.Fatalf("open %+v without MANIFEST: %v", o, err)
		}
		if after := listing(t, store); after != before {
			t.Fatalf("open %+v changed the case:\nbefore:\n%s\nafter:\n%s", o, before, after)
		}
	}
}

func TestDamagedPublicKeyIsDamage(t *testing.T) {
	dir := create(t)
	p := filepath.Join(dir, casedir.PublicKeyFile)
	orig, _ := os.ReadFile(p)
	os.WriteFile(p, orig[:len(orig)/2], 0o644)
	if _, err := casedir.Open(dir, casedir.OpenOptions{}); !errors.Is(err, evidence.ErrStoreDamaged) || !strings.Contains(err.Error(), casedir.PublicKeyFile) {
		t.Fatalf("damaged public key: %v", err)
	}
	// A flip inside the key's bytes makes another valid key: verification
	// finds that nothing is signed by it.
	b := bytes.Clone(orig)
	i := len(b) / 2
	for !('a' <= b[i] && b[i] <= 'z' || 'A' <= b[i] && b[i] <= 'Z') {
		i++
	}
	b[i] ^= 0x20 // a letter changes case: still base64, another key
	os.WriteFile(p, b, 0o644)
	h, err := casedir.Open(dir, casedir.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := h.Verify(context.Background(), evidence.VerifyOptions{})
	h.Close()
	if r.OK || r.First().Kind != evidence.ProblemSignature {
		t.Fatalf("flipped public key: %+v", r.Problems)
	}
	os.Remove(p)
	if _, err := casedir.Open(dir, casedir.OpenOptions{}); !errors.Is(err, evidence.ErrStoreDamaged) || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing public key: %v", err)
	}
}
