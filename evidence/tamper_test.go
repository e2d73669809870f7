package evidence_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/casefile/casefile/evidence"
)

// Keys as laid out by the evidence package (see backend.go).
func key(prefix string, n uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte(prefix), n)
}

func digestKey(prefix string, d evidence.Digest) []byte { return append([]byte(prefix), d[:]...) }

// fixture builds a case with a few entries and one multi-chunk artefact,
// each committed on its own so that every entry has its own checkpoint.
func fixture(t *testing.T, bk backendKind) (*evidence.Case, tamperable, *evidence.IngestResult) {
	t.Helper()
	c, b := newCase(t, bk)
	ctx := context.Background()
	for i := range 3 {
		if _, err := c.Append(ctx, evidence.Draft{Kind: "note.added", Actor: "T", Payload: map[string]any{"n": i}}); err != nil {
			t.Fatal(err)
		}
	}
	content := bytes.Repeat([]byte("0123456789abcdef"), (evidence.ChunkSize*5/2)/16)
	res, err := c.Ingest(ctx, bytes.NewReader(content), evidence.ArtefactMeta{Name: "x.log"}, evidence.IngestOptions{Actor: "T", LegacyHashes: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := c.Append(ctx, evidence.Draft{Kind: "note.added", Actor: "T", Payload: map[string]any{"n": 10 + i}}); err != nil {
			t.Fatal(err)
		}
	}
	if r := mustVerify(t, c); !r.OK {
		t.Fatalf("fresh fixture does not verify: %+v", r.Problems)
	}
	return c, b, res
}

// reopen opens the damaged backend again, as a later verify run would.
func reopen(t *testing.T, c *evidence.Case, b evidence.Backend) *evidence.Case {
	t.Helper()
	c2, err := evidence.Open(b, evidence.Config{Verifier: c.Verifier()})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	return c2
}

func wantFirst(t *testing.T, r *evidence.Report, kind, where, detail string) {
	t.Helper()
	if r.OK {
		t.Fatalf("damage not detected: %+v", r)
	}
	p := r.First()
	if p.Kind != kind || p.Where != where || !strings.Contains(p.Detail, detail) {
		t.Fatalf("first problem = %+v\nwant kind %q where %q detail containing %q\nall: %+v", *p, kind, where, detail, r.Problems)
	}
}

func TestTamperFlippedChunkByte(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b, res := fixture(t, bk)
		// Find the second chunk of the artefact: the chunk holding bytes [1 MiB, 2 MiB).
		ar, err := c.OpenArtefact(res.Digest)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, evidence.ChunkSize)
		if _, err := ar.ReadAt(buf, evidence.ChunkSize); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(buf)
		buf[12345] ^= 0x01
		if err := b.CorruptChunk(sum, buf); err != nil {
			t.Fatal(err)
		}
		r := mustVerify(t, reopen(t, c, b))
		wantFirst(t, r, evidence.ProblemChunk, "chunk "+evidence.Digest(sum).String(), "does not match its hash")
		// Reading the artefact back fails loudly instead of returning bad bytes.
		ar, err = reopen(t, c, b).OpenArtefact(res.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ar.ReadAt(buf, evidence.ChunkSize); err == nil {
			t.Fatal("read of a damaged chunk succeeded")
		}
	})
}

// rewrite replaces entry i's payload and, like an attacker without the
// key, recomputes everything that does not need the key: the entry, the
// hash chain of all later entries and every stored tree hash.
func rewrite(t *testing.T, c *evidence.Case, b tamperable, i uint64, recomputeChain, recomputeTree bool) {
	t.Helper()
	var raws [][]byte
	if err := c.Entries(0, func(e *evidence.Entry) error { raws = append(raws, e.Raw); return nil }); err != nil {
		t.Fatal(err)
	}
	raws[i] = bytes.Replace(raws[i], []byte(`"n":1`), []byte(`"n":7`), 1)
	if !recomputeChain {
		b.Corrupt(key("e/", i), raws[i])
	} else {
		for j := i + 1; j < uint64(len(raws)); j++ {
			prev := sha256.Sum256(raws[j-1])
			raws[j] = []byte(strings.Replace(string(raws[j]), `"prev":"`+string(raws[j])[strings.Index(string(raws[j]), `"prev":"`)+8:strings.Index(string(raws[j]), `"prev":"`)+8+64], `"prev":"`+hex.EncodeToString(prev[:]), 1))
		}
		for j := i; j < uint64(len(raws)); j++ {
			b.Corrupt(key("e/", j), raws[j])
		}
	}
	if recomputeTree {
		var hashes []tlog.Hash
		for n, raw := range raws {
			hs, err := tlog.StoredHashes(int64(n), raw, tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
				out := make([]tlog.Hash, len(idx))
				for k, x := range idx {
					out[k] = hashes[x]
				}
				return out, nil
			}))
			if err != nil {
				t.Fatal(err)
			}
			hashes = append(hashes, hs...)
		}
		setAllStoredHashes(t, b, hashes)
	}
}

func TestTamperRewrittenEntryWithChainRecomputed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b, _ := fixture(t, bk)
		rewrite(t, c, b, 2, true, true) // entry 2 holds {"n":1}
		r := mustVerify(t, reopen(t, c, b))
		// Entries, chain and tree hashes are self-consistent again; only the
		// signed checkpoint for size 3 (the first covering entry 2) betrays it.
		wantFirst(t, r, evidence.ProblemCheckpoint, "checkpoint 3", "signed root does not match")
	})
}

func TestTamperRewrittenEntryOnly(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b, _ := fixture(t, bk)
		rewrite(t, c, b, 2, false, false)
		r := mustVerify(t, reopen(t, c, b))
		wantFirst(t, r, evidence.ProblemEntry, "entry 2", "stored tree hash")
		if r.Problems[1].Where != "entry 3" || !strings.Contains(r.Problems[1].Detail, "hash chain broken") {
			t.Fatalf("chain break at entry 3 not reported: %+v", r.Problems)
		}
	})
}

func TestTamperTruncatedTail(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b, _ := fixture(t, bk)
		n := c.Log().Size()
		b.Delete(key("e/", n-1))
		b.Delete(key("e/", n-2))
		r := mustVerify(t, reopen(t, c, b))
		wantFirst(t, r, evidence.ProblemCheckpoint, "checkpoint 7", "signed for 7 entries but only 6 are stored")
		if p := r.Problems[len(r.Problems)-1]; p.Where != "checkpoint 8" {
			t.Fatalf("last problem should name checkpoint 8: %+v", r.Problems)
		}
	})
}

func TestTamperRemovedEntry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b, _ := fixture(t, bk)
		b.Delete(key("e/", 3))
		r := mustVerify(t, reopen(t, c, b))
		wantFirst(t, r, evidence.ProblemEntry, "entry 3", "entries 3 to 3 are missing")
	})
}

func TestTamperReorderedEntries(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b, _ := fixture(t, bk)
		e5, _ := b.Get(key("e/", 5))
		e6, _ := b.Get(key("e/", 6))
		b.Corrupt(key("e/", 5), e6)
		b.Corrupt(key("e/", 6), e5)
		r := mustVerify(t, reopen(t, c, b))
		wantFirst(t, r, evidence.ProblemEntry, "entry 5", "says it is entry 6 (reordered?)")
	})
}

func TestTamperCheckpointSignature(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b, _ := fixture(t, bk)
		msg, _ := b.Get(key("k/", 4))
		i := bytes.LastIndexByte(msg[:len(msg)-2], ' ') + 6 // inside the base64 signature
		msg[i] ^= 0x02
		b.Corrupt(key("k/", 4), msg)
		r := mustVerify(t, reopen(t, c, b))
		wantFirst(t, r, evidence.ProblemSignature, "checkpoint 4", "checkpoint signature")
	})
}

func TestTamperCheckpointRoot(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b, _ := fixture(t, bk)
		// Only the key holder can sign a wrong root. To exercise the root
		// check itself, re-sign every checkpoint with a key of the test's
		// own, one of them over a wrong root, and verify with that key.
		s, v := testKeys(t)
		c2, err := evidence.Open(b, evidence.Config{Verifier: v})
		if err != nil {
			t.Fatal(err)
		}
		bad := evidence.Checkpoint{Origin: testOrigin, Size: 4, Root: tlog.Hash{1, 2, 3}}
		msg, err := evidence.SignCheckpoint(bad, s)
		if err != nil {
			t.Fatal(err)
		}
		for n := uint64(1); n <= c.Log().Size(); n++ {
			if n == 4 {
				b.Corrupt(key("k/", n), msg)
				continue
			}
			old, _ := b.Get(key("k/", n))
			body, _, _ := strings.Cut(string(old), "\n\n")
			m, _ := note.Sign(&note.Note{Text: body + "\n"}, s)
			b.Corrupt(key("k/", n), m)
		}
		r := mustVerify(t, c2)
		wantFirst(t, r, evidence.ProblemCheckpoint, "checkpoint 4", "signed root does not match")
	})
}

func TestTamperStoredTreeHash(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b, _ := fixture(t, bk)
		h := bytes.Clone(storedHash(t, b, 3))
		h[0] ^= 0x80
		setStoredHash(t, b, 3, h)
		r := mustVerify(t, reopen(t, c, b))
		if r.OK || r.First().Kind != evidence.ProblemEntry || !strings.Contains(r.First().Detail, "tree hash 3") {
			t.Fatalf("flipped tree hash not found: %+v", r.Problems)
		}
	})
}

func TestTamperArtefactRecordMissing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b, res := fixture(t, bk)
		b.Delete(digestKey("a/", res.Digest))
		r := mustVerify(t, reopen(t, c, b))
		wantFirst(t, r, evidence.ProblemArtefact, "artefact "+res.Digest.String(), "named by entry 4 but not stored")
	})
}

func TestTamperEveryByteOfAnEntry(t *testing.T) {
	c, b, _ := fixture(t, backends[0])
	raw, _ := b.Get(key("e/", 4))
	for i := range raw {
		bad := bytes.Clone(raw)
		bad[i] ^= 0x01
		b.Corrupt(key("e/", 4), bad)
		r, err := reopen(t, c, b).Verify(context.Background(), evidence.VerifyOptions{SkipContent: true})
		if err != nil || r.OK {
			t.Fatalf("flipping byte %d of entry 4 went unnoticed", i)
		}
	}
}
