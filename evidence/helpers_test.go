package evidence_test

import (
	"context"
	"crypto/rand"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/memstore"
)

// tamperable is a backend a test can damage, like an attacker with write
// access to the case directory.
type tamperable interface {
	evidence.Backend
	Corrupt(key, value []byte)
	CorruptChunk(sum [32]byte, data []byte) error
	Delete(key []byte)
}

type backendKind struct {
	name string
	open func(t *testing.T) tamperable
}

var backends = []backendKind{
	{"mem", func(t *testing.T) tamperable { return memstore.New() }},
	{"badger", openBadger},
}

const testOrigin = "casefile.invalid/case/test"

func testKeys(t testing.TB) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

// newCase creates a case with its case.created entry on a fresh backend.
func newCase(t *testing.T, bk backendKind) (*evidence.Case, tamperable) {
	t.Helper()
	b := bk.open(t)
	s, v := testKeys(t)
	c, err := openOn(b, evidence.Config{Signer: s, Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Create(context.Background(), "Test Examiner <t@example.org>", evidence.CaseInfo{Title: "test"}); err != nil {
		t.Fatal(err)
	}
	return c, b
}

func forEachBackend(t *testing.T, fn func(t *testing.T, bk backendKind)) {
	for _, bk := range backends {
		t.Run(bk.name, func(t *testing.T) { fn(t, bk) })
	}
}

func mustVerify(t *testing.T, c *evidence.Case) *evidence.Report {
	t.Helper()
	r, err := c.Verify(context.Background(), evidence.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// checkProofsAcrossLayouts proves every entry of c included in the
// checkpoint ck, and ck consistent with the older oldCk of size oldSize:
// the proofs of a case whose keys changed layout between the two.
func checkProofsAcrossLayouts(t *testing.T, c *evidence.Case, oldSize uint64, oldCk, ck evidence.Checkpoint) {
	t.Helper()
	size := ck.Size
	for i := range size {
		e, err := c.Entry(i)
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.InclusionProof(i, size)
		if err != nil {
			t.Fatal(err)
		}
		if err := tlog.CheckRecord(p, int64(size), ck.Root, int64(i), e.LeafHash()); err != nil {
			t.Fatalf("inclusion of %d: %v", i, err)
		}
	}
	p, err := c.ConsistencyProof(oldSize, size)
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckTree(p, int64(size), ck.Root, int64(oldSize), oldCk.Root); err != nil {
		t.Fatalf("consistency across layouts: %v", err)
	}
}

// checkWalk walks the whole log through a ChainChecker and checks it
// against the latest checkpoint, which it returns.
func checkWalk(t *testing.T, c *evidence.Case) evidence.Checkpoint {
	t.Helper()
	var ch evidence.ChainChecker
	for e, err := range c.Walk(0, 0) {
		if err != nil {
			t.Fatal(err)
		}
		if err := ch.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	_, ck, err := c.CheckpointAt(c.Log().Size())
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.CheckCheckpoint(ck); err != nil {
		t.Fatalf("walk: %v", err)
	}
	return ck
}
