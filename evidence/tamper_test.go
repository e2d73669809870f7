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
	c2, err := openOn(b, evidence.Config{Verifier: c.Verifier()})
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
		setStoredEntry(t, b, i, raws[i])
	} else {
		for j := i + 1; j < uint64(len(raws)); j++ {
			prev := sha256.Sum256(raws[j-1])
			raws[j] = []byte(strings.Replace(string(raws[j]), `"prev":"`+string(raws[j])[strings.Index(string(raws[j]), `"prev":"`)+8:strings.Index(string(raws[j]), `"prev":"`)+8+64], `"prev":"`+hex.EncodeToString(prev[:]), 1))
		}
		for j := i; j < uint64(len(raws)); j++ {
			setStoredEntry(t, b, j, raws[j])
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
		removeStoredEntry(t, b, n-1)
		removeStoredEntry(t, b, n-2)
		dropUnindexedEntryRecords(t, b) // else verify reports them there
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
		removeStoredEntry(t, b, 3)
		r := mustVerify(t, reopen(t, c, b))
		wantFirst(t, r, evidence.ProblemEntry, "entry 3", "entries 3 to 3 are missing")
	})
}

func TestTamperReorderedEntries(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b, _ := fixture(t, bk)
		e5, e6 := getStoredEntry(t, b, 5), getStoredEntry(t, b, 6)
		setStoredEntry(t, b, 5, e6)
		setStoredEntry(t, b, 6, e5)
		r := mustVerify(t, reopen(t, c, b))
		wantFirst(t, r, evidence.ProblemEntry, "entry 5", "says it is entry 6 (reordered?")
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
		c2, err := openOn(b, evidence.Config{Verifier: v})
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
	raw := bytes.Clone(getStoredEntry(t, b, 4))
	for i := range raw {
		bad := bytes.Clone(raw)
		bad[i] ^= 0x01
		setStoredEntry(t, b, 4, bad)
		r, err := reopen(t, c, b).Verify(context.Background(), evidence.VerifyOptions{SkipContent: true})
		if err != nil || r.OK {
			t.Fatalf("flipping byte %d of entry 4 went unnoticed", i)
		}
	}
}

// runFixture builds a case whose entries are in runs of several: entry 0,
// then commits of 20 (entries 1–20), 10 (21–30) and 1 (31) entries.
func runFixture(t *testing.T, bk backendKind) (*evidence.Case, tamperable) {
	t.Helper()
	c, b := newCase(t, bk)
	ctx := context.Background()
	n := 0
	for _, size := range []int{20, 10, 1} {
		var drafts []evidence.Draft
		for range size {
			n++
			drafts = append(drafts, evidence.Draft{Kind: "note.added", Actor: "T", Payload: map[string]any{"n": n}})
		}
		if _, err := c.Append(ctx, drafts...); err != nil {
			t.Fatal(err)
		}
	}
	runs := entryRuns(t, b)
	if len(runs) != 4 || runs[1].last != 20 || len(runs[1].parts) != 20 || runs[2].last != 30 {
		t.Fatalf("fixture runs: %d", len(runs))
	}
	if r := mustVerify(t, c); !r.OK {
		t.Fatalf("fresh fixture does not verify: %+v", r.Problems)
	}
	return c, b
}

// TestTamperEntryRuns: damage to entries kept in runs is found and named
// by the index of the entry it concerns.
func TestTamperEntryRuns(t *testing.T) {
	swap := func(t *testing.T, b tamperable, i, j uint64) {
		ei, ej := bytes.Clone(getStoredEntry(t, b, i)), bytes.Clone(getStoredEntry(t, b, j))
		setStoredEntry(t, b, i, ej)
		setStoredEntry(t, b, j, ei)
	}
	cases := []struct {
		name                string
		tamper              func(t *testing.T, b tamperable)
		kind, where, detail string
	}{
		{"changed byte", func(t *testing.T, b tamperable) {
			setStoredEntry(t, b, 7, bytes.Replace(getStoredEntry(t, b, 7), []byte(`"n":7`), []byte(`"n":9`), 1))
		}, evidence.ProblemEntry, "entry 7", "stored tree hash"},
		{"raw newline in an entry", func(t *testing.T, b tamperable) {
			setStoredEntry(t, b, 7, bytes.Replace(getStoredEntry(t, b, 7), []byte(`"kind":"`), []byte("\"kind\":\"\n"), 1))
		}, evidence.ProblemEntry, "entry 7", "unreadable"},
		{"entry removed inside a run", func(t *testing.T, b tamperable) { removeStoredEntry(t, b, 7) },
			evidence.ProblemEntry, "entry 7", "says it is entry 8 (reordered? or removed?)"},
		{"first entry of a run removed", func(t *testing.T, b tamperable) { removeStoredEntry(t, b, 21) },
			evidence.ProblemEntry, "entry 21", "entries 21 to 21 are missing"},
		{"last entry of a run removed", func(t *testing.T, b tamperable) { removeStoredEntry(t, b, 20) },
			evidence.ProblemEntry, "entry 20", "entries 20 to 20 are missing"},
		{"entries reordered in a run", func(t *testing.T, b tamperable) { swap(t, b, 7, 8) },
			evidence.ProblemEntry, "entry 7", "says it is entry 8"},
		{"entries moved between runs", func(t *testing.T, b tamperable) { swap(t, b, 20, 21) },
			evidence.ProblemEntry, "entry 20", "says it is entry 21"},
		{"run removed", func(t *testing.T, b tamperable) { b.Delete(key("er/", 20)) },
			evidence.ProblemEntry, "entry 1", "entries 1 to 20 are missing"},
		{"runs overlap", func(t *testing.T, b tamperable) {
			r, _ := runOf(t, b, 21)
			r.parts = append([][]byte{getStoredEntry(t, b, 20)}, r.parts...)
			b.Corrupt(key("er/", r.last), r.value())
		}, evidence.ProblemEntry, "entry 20", "stored twice"},
		{"tail truncated", func(t *testing.T, b tamperable) { b.Delete(key("er/", 31)); b.Delete(key("er/", 30)) },
			evidence.ProblemCheckpoint, "checkpoint 31", "signed for 31 entries but only 21 are stored"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, bk backendKind) {
				c, b := runFixture(t, bk)
				tc.tamper(t, b)
				wantFirst(t, mustVerify(t, reopen(t, c, b)), tc.kind, tc.where, tc.detail)
			})
		})
	}
}

// TestTamperEveryByteOfARun flips every byte of an entry inside a run
// and of the separators either side of it.
func TestTamperEveryByteOfARun(t *testing.T) {
	c, b := runFixture(t, backends[0])
	r, _ := runOf(t, b, 7)
	v := r.value()
	from := bytes.Index(v, getStoredEntry(t, b, 7)) - 1
	to := from + len(getStoredEntry(t, b, 7)) + 2
	for i := from; i < to; i++ {
		bad := bytes.Clone(v)
		bad[i] ^= 0x01
		b.Corrupt(key("er/", r.last), bad)
		rep, err := reopen(t, c, b).Verify(context.Background(), evidence.VerifyOptions{SkipContent: true})
		if err != nil || rep.OK {
			t.Fatalf("flipping byte %d of the run ending at %d went unnoticed", i, r.last)
		}
	}
}

// TestTamperImportedRunFromZero: in a copy imported from published tiles
// entry 0 shares its run with those after it; removing it is named.
func TestTamperImportedRunFromZero(t *testing.T) {
	c, _ := runFixture(t, backends[0])
	b := backends[0].open(t)
	im, err := evidence.NewImporter(b)
	if err != nil {
		t.Fatal(err)
	}
	for e, err := range c.Walk(0, 0) {
		if err != nil {
			t.Fatal(err)
		}
		if err := im.Entry(e.Raw); err != nil {
			t.Fatal(err)
		}
	}
	if err := im.Finish(c.Log().Checkpoint()); err != nil {
		t.Fatal(err)
	}
	if runs := entryRuns(t, b); len(runs) != 1 || runs[0].first() != 0 {
		t.Fatalf("imported runs: %d", len(runs))
	}
	copied := reopen(t, c, b)
	if r, err := copied.Verify(context.Background(), evidence.VerifyOptions{SkipContent: true}); err != nil || !r.OK {
		t.Fatalf("imported copy: %v %+v", err, r.Problems)
	}
	removeStoredEntry(t, b, 0)
	r, _ := reopen(t, c, b).Verify(context.Background(), evidence.VerifyOptions{SkipContent: true})
	wantFirst(t, r, evidence.ProblemEntry, "entry 0", "entries 0 to 0 are missing")
}
