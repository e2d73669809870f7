package evidence_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/memstore"
)

// TestChainGenesis: entry 0 names no predecessor. The rule is CheckLink's,
// and Verify, ChainChecker (export.Build) and export.Verify all apply it.
func TestChainGenesis(t *testing.T) {
	c, _ := newCase(t, backends[0])
	e0, err := c.Entry(0)
	if err != nil {
		t.Fatal(err)
	}
	if e0.Prev != evidence.GenesisPrev {
		t.Fatalf("entry 0 prev = %s", e0.Prev)
	}
	if err := evidence.CheckLink(e0, [32]byte{}); err != nil {
		t.Fatal(err)
	}
	forged := bytes.Replace(e0.Raw, []byte(evidence.GenesisPrev), []byte(strings.Repeat("ab", 32)), 1)
	f0, err := evidence.ParseEntry(forged)
	if err != nil {
		t.Fatal(err)
	}
	if err := evidence.CheckLink(f0, [32]byte{}); !errors.Is(err, evidence.ErrChainBroken) {
		t.Fatalf("entry 0 with a predecessor: %v", err)
	}
	var ch evidence.ChainChecker
	if err := ch.Add(f0); !errors.Is(err, evidence.ErrChainBroken) || !strings.HasPrefix(err.Error(), "entry 0: ") {
		t.Fatalf("chain checker on a forged entry 0: %v", err)
	}
}

// TestTamperGenesisPrev: a store whose entry 0 names a predecessor is
// reported at entry 0 as a broken chain (besides its tree hash).
func TestTamperGenesisPrev(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b, _ := fixture(t, bk)
		e0, err := c.Entry(0)
		if err != nil {
			t.Fatal(err)
		}
		setStoredEntry(t, b, 0, bytes.Replace(e0.Raw, []byte(evidence.GenesisPrev), []byte(strings.Repeat("ab", 32)), 1))
		r := mustVerify(t, reopen(t, c, b))
		found := false
		for _, p := range r.Problems {
			if p.Where == "entry 0" && strings.Contains(p.Detail, "hash chain broken: entry 0 has a predecessor") {
				found = true
				if p.Entry == nil || *p.Entry != 0 || !errors.Is(p, evidence.ErrChainBroken) {
					t.Fatalf("typed fields: entry %v, class %v", p.Entry, p.Err)
				}
			}
		}
		if !found {
			t.Fatalf("entry 0's prev not reported: %+v", r.Problems)
		}
	})
}

// TestWalkAndChain: Walk yields the entries in order within its bounds and
// stops when the loop breaks; ChainChecker over a whole log gives the
// signed root.
func TestWalkAndChain(t *testing.T) {
	ctx := context.Background()
	c, err := memstore.NewCase(ctx, "T", "T")
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := c.Append(ctx, evidence.Draft{Kind: "note.added", Actor: "T", Payload: map[string]int{"n": 1}}); err != nil {
			t.Fatal(err)
		}
	}
	var got []uint64
	for e, err := range c.Walk(2, 5) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e.Index)
	}
	if len(got) != 3 || got[0] != 2 || got[2] != 4 {
		t.Fatalf("walk 2..5: %v", got)
	}
	n := 0
	for range c.Walk(0, 0) {
		if n++; n == 2 {
			break
		}
	}
	checkWalk(t, c)
	e3, _ := c.Entry(3)
	var short evidence.ChainChecker
	if err := short.Add(e3); !errors.Is(err, evidence.ErrEntryMissing) {
		t.Fatalf("entry 3 first: %v", err)
	}
}
