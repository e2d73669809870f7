package export

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/keys"
	"github.com/casefile/casefile/evidence/memstore"
)

// growTo appends notes until the case's log has n entries.
func growTo(t *testing.T, c *evidence.Case, n uint64, text string) {
	t.Helper()
	for c.Log().Size() < n {
		if _, err := c.Append(context.Background(), evidence.Draft{Kind: "note.added", Actor: testExaminer,
			Payload: map[string]any{"text": fmt.Sprintf("%s %d", text, c.Log().Size())}}); err != nil {
			t.Fatal(err)
		}
	}
}

func smallOptions(tc *testCase, out string, from ...uint64) Options {
	o := tc.options(out)
	o.Findings, o.ConsistencyFrom = nil, from
	return o
}

// Exports at 6 and 16: a recipient holding checkpoint 6 (from the first
// package, or written down as SIZE:ROOT) gets a proof that the second
// package extends it; a forked checkpoint 6 of the same origin, signed
// with the same key, is refused.
func TestConsistencyFromHeldCheckpoint(t *testing.T) {
	tc := openTestCase(t, memstore.New())
	growTo(t, tc.c, 6, "first")
	dir := t.TempDir()
	pkg6, pkg16 := filepath.Join(dir, "pkg6"), filepath.Join(dir, "pkg16")
	if res := build(t, tc, smallOptions(tc, pkg6)); res.CheckpointSize != 6 {
		t.Fatalf("first export at %d, want 6", res.CheckpointSize)
	}
	_, ck6, err := tc.c.CheckpointAt(6)
	if err != nil {
		t.Fatal(err)
	}
	growTo(t, tc.c, 16, "second")
	res := build(t, tc, smallOptions(tc, pkg16, 6, 9))
	if res.CheckpointSize != 16 || fmt.Sprint(res.ConsistentFrom) != "[6 9]" {
		t.Fatalf("second export at %d, consistent from %v", res.CheckpointSize, res.ConsistentFrom)
	}
	_, ck9, err := tc.c.CheckpointAt(9)
	if err != nil {
		t.Fatal(err)
	}

	// A fork: the same key and origin, other entries.
	fork := openTestCaseWith(t, tc.signer, tc.pubPEM)
	growTo(t, fork.c, 9, "forked")
	_, fork6, _ := fork.c.CheckpointAt(6)
	forkMsg9, _, _ := fork.c.CheckpointAt(9)

	held6note, err := os.ReadFile(filepath.Join(pkg6, fileCheckpoint))
	if err != nil {
		t.Fatal(err)
	}
	note6, err := evidence.ParseTrustedCheckpointNote(held6note)
	if err != nil {
		t.Fatal(err)
	}
	noteFork9, err := evidence.ParseTrustedCheckpointNote(forkMsg9)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		held evidence.TrustedCheckpoint
		ok   bool
		want string
	}{
		{"checkpoint.txt of the first package", note6, true, ""},
		{"size 6 written down", evidence.TrustedCheckpoint{Size: 6, Root: ck6.Root}, true, ""},
		{"size 9, named by the recipient", evidence.TrustedCheckpoint{Size: 9, Root: ck9.Root}, true, ""},
		{"the package's own size", evidence.TrustedCheckpoint{Size: 16, Root: res.root(t, pkg16)}, true, ""},
		{"forked size 6", evidence.TrustedCheckpoint{Size: 6, Root: fork6.Root}, false, "not a prefix"},
		{"forked signed checkpoint 9", noteFork9, false, "not a prefix"},
		{"a size without a proof", evidence.TrustedCheckpoint{Size: 7, Root: ck6.Root}, false, "--consistency-from 7"},
		{"larger than the package", evidence.TrustedCheckpoint{Size: 17, Root: ck6.Root}, false, "larger"},
		{"another log", evidence.TrustedCheckpoint{Origin: "example.com/other", Size: 6, Root: ck6.Root}, false, "example.com/other"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := mustVerify(t, pkg16)
			if !r.OK {
				t.Fatalf("package: %+v", r.Problems)
			}
			r.CheckHeld(c.held)
			if r.OK != c.ok || len(r.Held) != 1 || r.Held[0].Extends != c.ok {
				t.Fatalf("ok %v, held %+v, problems %+v", r.OK, r.Held, r.Problems)
			}
			if !c.ok && !strings.Contains(r.First().Detail, c.want) {
				t.Fatalf("problem %+v, want %q", r.First(), c.want)
			}
		})
	}

	// Without --consistency-from 9 the package cannot prove checkpoint 9.
	plain := filepath.Join(dir, "plain")
	build(t, tc, smallOptions(tc, plain))
	r := mustVerify(t, plain)
	r.CheckHeld(evidence.TrustedCheckpoint{Size: 9, Root: ck9.Root})
	if r.OK || !strings.Contains(r.First().Detail, "no consistency proof from size 9") {
		t.Fatalf("%+v", r.Problems)
	}

	// A size the package's checkpoint does not reach is refused.
	o := smallOptions(tc, filepath.Join(dir, "toolarge"), 1000)
	if _, err := Build(context.Background(), tc.c, o); err == nil || !strings.Contains(err.Error(), "consistency from size 1000") {
		t.Fatalf("--consistency-from 1000: %v", err)
	}
	if _, err := os.Stat(o.Out); !os.IsNotExist(err) {
		t.Fatalf("a package was left at %s", o.Out)
	}
}

func (r *Result) root(t *testing.T, pkg string) tlog.Hash {
	t.Helper()
	msg, err := os.ReadFile(filepath.Join(pkg, fileCheckpoint))
	if err != nil {
		t.Fatal(err)
	}
	h, err := evidence.ParseTrustedCheckpointNote(msg)
	if err != nil || h.Size != r.CheckpointSize {
		t.Fatalf("%+v %v", h, err)
	}
	return h.Root
}

// openTestCaseWith opens a new case signed with the given key.
func openTestCaseWith(t *testing.T, s *keys.Signer, pubPEM []byte) *testCase {
	t.Helper()
	v, err := keys.Verifier(s.Public(), testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	c, err := evidence.Open(memstore.New(), evidence.Config{Signer: s, Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Create(context.Background(), testExaminer, evidence.CaseInfo{Title: "fork", Origin: testOrigin, CaseID: "0123456789abcdef0123456789abcdef"}); err != nil {
		t.Fatal(err)
	}
	return &testCase{c: c, signer: s, pubPEM: pubPEM, arts: map[string]evidence.Digest{}}
}

// The consistency proofs of a complete package, checked independently of
// Casefile's reader: the files are parsed here by hand as VERIFY.txt
// describes them, the signed checkpoints verified with
// golang.org/x/mod/sumdb/note under the verifier key VERIFY.txt states, the
// roots recomputed from entries.jsonl (RFC 6962, own code), and each
// proof checked with golang.org/x/mod/sumdb/tlog.CheckTree.
func TestConsistencyProofIndependent(t *testing.T) {
	tc := openTestCase(t, memstore.New())
	growTo(t, tc.c, 6, "first")
	dir := t.TempDir()
	build(t, tc, smallOptions(tc, filepath.Join(dir, "pkg6")))
	growTo(t, tc.c, 16, "second")
	pkg := filepath.Join(dir, "pkg16")
	build(t, tc, smallOptions(tc, pkg, 11))
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(pkg, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	vt := read(fileVerify)
	i := strings.Index(vt, "note.NewVerifier, is\n\n")
	if i < 0 {
		t.Fatal("VERIFY.txt states no verifier key")
	}
	vkey := strings.Fields(vt[i+len("note.NewVerifier, is\n\n"):])[0]
	nv, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	open := func(msg string) (uint64, tlog.Hash) {
		n, err := note.Open([]byte(msg), note.VerifierList(nv))
		if err != nil {
			t.Fatalf("checkpoint %q: %v", msg, err)
		}
		l := strings.Split(n.Text, "\n")
		size, _ := strconv.ParseUint(l[1], 10, 64)
		raw, _ := base64.StdEncoding.DecodeString(l[2])
		return size, tlog.Hash(raw)
	}

	// RFC 6962 roots from the leaves, by the definition.
	var leaves [][32]byte
	for _, l := range strings.Split(strings.TrimSuffix(read(fileEntries), "\n"), "\n") {
		leaves = append(leaves, sha256.Sum256(append([]byte{0}, l...)))
	}
	var mth func(ls [][32]byte) [32]byte
	mth = func(ls [][32]byte) [32]byte {
		if len(ls) == 1 {
			return ls[0]
		}
		k := 1
		for k*2 < len(ls) {
			k *= 2
		}
		l, r := mth(ls[:k]), mth(ls[k:])
		return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
	}

	newSize, newRoot := open(read(fileCheckpoint))
	if newSize != 16 || newRoot != tlog.Hash(mth(leaves[:16])) {
		t.Fatalf("checkpoint.txt: size %d, root not the tree of entries.jsonl", newSize)
	}
	for _, old := range []uint64{6, 11} {
		text := read(fmt.Sprintf("proofs/consistency-%d-16.txt", old))
		head, ck, ok := strings.Cut(text, "\n\n")
		if !ok || ck != read(fileCheckpoint) {
			t.Fatalf("proof from %d does not end with checkpoint.txt", old)
		}
		lines := strings.Split(head, "\n")
		if lines[0] != fmt.Sprintf("old %d", old) {
			t.Fatalf("proof from %d starts %q", old, lines[0])
		}
		var proof tlog.TreeProof
		for _, l := range lines[1:] {
			raw, err := base64.StdEncoding.DecodeString(l)
			if err != nil || len(raw) != 32 {
				t.Fatalf("proof line %q", l)
			}
			proof = append(proof, tlog.Hash(raw))
		}
		oldRoot := tlog.Hash(mth(leaves[:old]))
		if err := tlog.CheckTree(proof, int64(newSize), newRoot, int64(old), oldRoot); err != nil {
			t.Fatalf("proof from %d: %v", old, err)
		}
		if s, r := open(read(fmt.Sprintf("proofs/checkpoint-%d.txt", old))); s != old || r != oldRoot {
			t.Fatalf("proofs/checkpoint-%d.txt: size %d", old, s)
		}
		// The proof fails for any other old root.
		bad := oldRoot
		bad[0] ^= 1
		if tlog.CheckTree(proof, int64(newSize), newRoot, int64(old), bad) == nil {
			t.Fatalf("proof from %d holds for another root", old)
		}
	}
}

// A package whose consistency proof is in the format written before
// (casefile.invalid/tlog-consistency@v1, with the old checkpoint inside)
// still verifies; a damaged one does not.
func TestLegacyConsistencyProof(t *testing.T) {
	tc := openTestCase(t, memstore.New())
	growTo(t, tc.c, 6, "first")
	dir := t.TempDir()
	build(t, tc, smallOptions(tc, filepath.Join(dir, "pkg6")))
	growTo(t, tc.c, 16, "second")
	pkg := filepath.Join(dir, "pkg16")
	build(t, tc, smallOptions(tc, pkg))
	name := filepath.Join(pkg, consistencyPath(6, 16))
	b, _ := os.ReadFile(name)
	c, err := parseConsistency(b)
	if err != nil || c.NewCk == nil {
		t.Fatalf("%+v %v", c, err)
	}
	oldCk, _ := os.ReadFile(filepath.Join(pkg, checkpointPath(6)))
	legacy := consistency{Old: 6, New: 16, Proof: c.Proof, OldCk: oldCk}.encode()
	if !strings.HasPrefix(string(legacy), "casefile.invalid/tlog-consistency@v1\nold 6\nnew 16\n") {
		t.Fatalf("%q", legacy)
	}
	for _, bad := range []bool{false, true} {
		p := filepath.Join(t.TempDir(), "pkg")
		os.CopyFS(p, os.DirFS(pkg))
		data := append([]byte(nil), legacy...)
		if bad {
			data = []byte(strings.Replace(string(data), "new 16", "new 15", 1))
		}
		os.WriteFile(filepath.Join(p, consistencyPath(6, 16)), data, 0o644)
		resignDir(t, p, tc.signer.SignBlob)
		r := mustVerify(t, p)
		if bad {
			if r.OK || r.First().Where != consistencyPath(6, 16) {
				t.Fatalf("damaged legacy proof: %+v", r.Problems)
			}
			continue
		}
		if !r.OK || r.Previous != 6 || fmt.Sprint(r.Witnessing.Consistent) != "[6]" {
			t.Fatalf("legacy proof: %+v %+v", r.Problems, r.Witnessing)
		}
		r.CheckHeld(evidence.TrustedCheckpoint{Size: 6, Root: mustCheckpoint(t, tc.c, 6).Root})
		if !r.OK {
			t.Fatalf("held 6: %+v", r.Problems)
		}
	}
}

func mustCheckpoint(t *testing.T, c *evidence.Case, size uint64) evidence.Checkpoint {
	t.Helper()
	_, ck, err := c.CheckpointAt(size)
	if err != nil {
		t.Fatal(err)
	}
	return ck
}

// VERIFY.txt and report.html of a witnessed package name the witnessing
// files, the witness keys and the consistency proofs, and say how to
// check them; a package without witnesses has no such section.
func TestVerifyTextWitnessingAndConsistency(t *testing.T) {
	tc, p, _ := witnessedCase(t)
	dir := t.TempDir()
	publish(t, tc, p)
	first := build(t, tc, tc.options(filepath.Join(dir, "pkg1")))
	publish(t, tc, p)
	pkg := filepath.Join(dir, "pkg2")
	o := tc.options(pkg)
	o.ConsistencyFrom = []uint64{3}
	res := build(t, tc, o)
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(pkg, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	vt, rep := read(fileVerify), read(fileReport)
	for _, want := range []string{
		fileCosigned, fileWitnessPolicy, fileWitnessTSR, p.Witnesses[0].VKey, "c2sp.org/tlog-cosignature",
		"golang.org/x/mod/sumdb/note.Open", "openssl ts -verify -data checkpoint.txt -in " + fileWitnessTSR,
		fmt.Sprintf("the log as it stood at 3, %d\n  entries", first.CheckpointSize),
		fmt.Sprintf("%d is the checkpoint of the case's previous export", first.CheckpointSize), fmt.Sprintf("proofs/consistency-OLD-%d.txt", res.CheckpointSize),
		"C2SP tlog-witness add-checkpoint", `"old OLD"`, "--checkpoint", "--consistency-from SIZE",
	} {
		if !strings.Contains(vt, want) {
			t.Errorf("VERIFY.txt does not say %q", want)
		}
	}
	for _, want := range []string{fileCosigned, fileWitnessPolicy, fileWitnessTSR, "C2SP tlog-cosignature", "golang.org/x/mod/sumdb/note",
		fmt.Sprintf("as it stood at 3, %d entries", first.CheckpointSize), "add-checkpoint"} {
		if !strings.Contains(rep, want) {
			t.Errorf("report.html does not say %q", want)
		}
	}
	// The first check VERIFY.txt gives for the timestamp runs as written.
	if _, err := exec.LookPath("openssl"); err == nil {
		cmd := exec.Command("openssl", "ts", "-reply", "-in", fileWitnessTSR, "-text")
		cmd.Dir = pkg
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "Status: Granted") {
			t.Errorf("openssl ts -reply: %v\n%s", err, out)
		}
	}

	plain := openTestCase(t, memstore.New())
	growTo(t, plain.c, 4, "plain")
	out := filepath.Join(dir, "plain")
	build(t, plain, smallOptions(plain, out))
	b, _ := os.ReadFile(filepath.Join(out, fileVerify))
	if strings.Contains(string(b), "WITNESSES AND TIMESTAMP") || strings.Contains(string(b), "CONSISTENCY:") {
		t.Errorf("a package without witnesses or earlier exports describes them:\n%s", b)
	}
}
