package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"hash"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// chainWay is how TestChainHashes has a commit's chain encode its chunks.
type chainWay int

const (
	chainAsItComes chainWay = iota // the chain and the other goroutine as they meet
	chainAhead                     // every chunk by the other goroutine, hashed up to prev
	chainItself                    // every chunk by the chain, hashed whole
)

// runChain encodes parts as a commit does, the first at index first after
// the entry whose hash is prev, with the hash states of the chain before
// (as a log reuses them), and returns the chain, the last hash, the
// entries and their leaf hashes, and the leaf hashes its tree was given,
// in the order given.
func runChain(parts []*entryParts, first uint64, at entryTime, prev [32]byte, way chainWay, hashers []hash.Hash) (*entryChain, [32]byte, []Entry, []tlog.Hash, []tlog.Hash) {
	ec := newEntryChain(parts, first, at, hashers, way != chainItself)
	if way == chainAhead {
		for c := range ec.done {
			<-ec.done[c] // every chunk encoded by the other goroutine
		}
	}
	var fed []tlog.Hash
	ec.tree = func(l []tlog.Hash) { fed = append(fed, l...) }
	last := ec.run(prev)
	ents, leaves := ec.finish()
	return ec, last, ents, leaves, fed
}

// checkChain compares a chain's output with the plain join of each entry
// (joinEntry) linked by sha256.Sum256 of the one before.
// It returns the chain's hash states for the next.
func checkChain(t *testing.T, parts []*entryParts, first uint64, at entryTime, prev [32]byte, way chainWay, hashers []hash.Hash) []hash.Hash {
	t.Helper()
	ec, last, ents, leaves, fed := runChain(parts, first, at, prev, way, hashers)
	if !slices.Equal(fed, leaves) {
		t.Fatalf("way %d: the tree was not given the leaf hashes in order", way)
	}
	var want []byte
	for j, p := range parts {
		if j > 0 {
			want = append(want, '\n')
		}
		var e Entry
		want = joinEntry(&e, p, first+uint64(j), at, prev, want)
		raw := ec.raw(j)
		if !bytes.Equal(raw, e.Raw) {
			t.Fatalf("entry %d (way %d):\nchain %s\njoin  %s", j, way, raw, e.Raw)
		}
		prev = sha256.Sum256(e.Raw)
		if leaves[j] != tlog.RecordHash(e.Raw) {
			t.Fatalf("entry %d (way %d): leaf hash %x, want %x", j, way, leaves[j], tlog.RecordHash(e.Raw))
		}
		g := ents[j]
		if g.Index != e.Index || !g.Time.Equal(e.Time) || g.Kind != e.Kind || g.Actor != e.Actor || g.Prev != e.Prev || !bytes.Equal(g.Payload, e.Payload) || !bytes.Equal(g.Raw, e.Raw) {
			t.Fatalf("entry %d (way %d): %+v, want %+v", j, way, g, e)
		}
		if g.Hash() != prev {
			t.Fatalf("entry %d (way %d): Hash differs from sha256.Sum256 of its bytes", j, way)
		}
	}
	if !bytes.Equal(ec.slab, want) {
		t.Fatalf("way %d: slab differs from the joined entries", way)
	}
	if last != prev {
		t.Fatalf("way %d: last hash %x, want sha256.Sum256 of the last entry %x", way, last, prev)
	}
	return ec.hashers
}

// TestChainHashes: a commit's entries, whichever goroutine encodes and
// hashes them, are byte for byte the plain join of their parts, each
// entry's prev is sha256.Sum256 of the one before, and the leaf hashes
// and Entry values are those of the bytes; the tree is given the leaf
// hashes in order.
func TestChainHashes(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	actors := []string{"Ann Analyst <ann@example.org>", "", "Jos\u00e9 \"J\" \\ <j@example.org>\n", "日本 😀"}
	kinds := []string{"evidence.viewed", "observation.recorded", "k\u0001\u2028"}
	var hashers []hash.Hash
	for _, n := range []int{1, 2, chainChunk - 1, chainChunk, chainChunk + 1, 3*chainChunk + 5, 1000} {
		for _, first := range []uint64{0, 1, 9, 99 - uint64(n/2), 9999 - uint64(n/3), 1 << 40, ^uint64(0) - uint64(n)} {
			drafts := make([]Draft, n)
			for i := range drafts {
				kind, actor := kinds[0], actors[0]
				if rng.IntN(8) == 0 { // mostly the same kind and actor, as a batch
					kind, actor = kinds[rng.IntN(len(kinds))], actors[rng.IntN(len(actors))]
				}
				payload := any(map[string]any{"artefact": "sha256:9f86", "offset": i, "p": randomPayload(rng, 0)})
				if rng.IntN(4) == 0 {
					payload, _ = json.Marshal(payload)
					payload = json.RawMessage(payload.([]byte))
				}
				drafts[i] = Draft{Kind: kind, Actor: actor, Payload: payload}
			}
			prep, _, err := prepareDrafts(drafts, 0)
			if err != nil {
				t.Fatal(err)
			}
			parts := make([]*entryParts, n)
			for i := range prep {
				parts[i] = &prep[i]
			}
			var prev [32]byte
			for i := range prev {
				prev[i] = byte(rng.Uint32())
			}
			at := newEntryTime(time.Unix(rng.Int64N(1<<35), rng.Int64N(1e9)))
			for _, way := range []chainWay{chainAsItComes, chainAhead, chainItself} {
				hashers = checkChain(t, parts, first, at, prev, way, hashers)
			}
		}
	}
}

// FuzzEntryChain: for any entries a batch may hold, the chain's hashes are
// sha256.Sum256 of the entries' bytes, whichever goroutine makes them.
func FuzzEntryChain(f *testing.F) {
	f.Add("evidence.viewed", "Ann <ann@example.org>", `{"offset":1}`, uint64(0), uint8(40), int64(0))
	f.Add("k", "\u00e9\"\\\n", `{"a":[1,"\u2028",{"b":null}]}`, uint64(99), uint8(200), int64(1<<40))
	f.Fuzz(func(t *testing.T, kind, actor, payload string, first uint64, n uint8, at int64) {
		var p map[string]any
		if err := json.Unmarshal([]byte(payload), &p); err != nil {
			return
		}
		drafts := make([]Draft, int(n)+1)
		for i := range drafts {
			drafts[i] = Draft{Kind: kind, Actor: actor, Payload: p}
			if i%3 == 1 {
				drafts[i].Payload = map[string]any{"i": i, "p": p}
			}
		}
		prep, _, err := prepareDrafts(drafts, 0)
		if err != nil {
			return
		}
		first = min(first, ^uint64(0)-uint64(len(drafts)))
		parts := make([]*entryParts, len(prep))
		for i := range prep {
			parts[i] = &prep[i]
		}
		when := newEntryTime(time.Unix(0, at).Add(time.Duration(first)))
		var hashers []hash.Hash
		for _, way := range []chainWay{chainAhead, chainAsItComes, chainItself, chainAhead} {
			hashers = checkChain(t, parts, first, when, sha256.Sum256([]byte(payload)), way, hashers)
		}
	})
}
