package evidence_test

import (
	"context"
	"errors"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/casefile/casefile/evidence"
)

// TestProofs checks every inclusion proof and every consistency proof
// between stored checkpoints of a log built in commits of varying sizes,
// against the roots of the signed checkpoints, and that tampered proofs
// fail.
func TestProofs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, _ := newCase(t, bk)
		ctx := context.Background()
		sizes := []uint64{1}
		for _, n := range []int{1, 2, 3, 5, 8, 1, 13} {
			drafts := make([]evidence.Draft, n)
			for i := range drafts {
				drafts[i] = evidence.Draft{Kind: "note.added", Actor: "t", Payload: map[string]int{"i": i}}
			}
			if _, err := c.Append(ctx, drafts...); err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, c.Log().Size())
		}
		if got := c.Log().Size(); got != 34 {
			t.Fatalf("log size %d, want 34", got)
		}
		cks := map[uint64]evidence.Checkpoint{}
		for _, size := range sizes {
			msg, ck, err := c.CheckpointAt(size)
			if err != nil {
				t.Fatalf("checkpoint %d: %v", size, err)
			}
			if len(msg) == 0 || ck.Size != size {
				t.Fatalf("checkpoint %d: size %d", size, ck.Size)
			}
			cks[size] = ck
		}
		if _, _, err := c.CheckpointAt(5); !errors.Is(err, evidence.ErrNoCheckpoint) {
			t.Fatalf("checkpoint 5 (never signed): %v, want ErrNoCheckpoint", err)
		}
		if _, _, err := c.CheckpointAt(35); !errors.Is(err, evidence.ErrNoCheckpoint) {
			t.Fatalf("checkpoint 35 (beyond the log): %v", err)
		}
		var leaves []tlog.Hash
		c.Entries(0, func(e *evidence.Entry) error {
			leaves = append(leaves, e.LeafHash())
			return nil
		})
		proofs := 0
		for _, size := range sizes {
			ck := cks[size]
			for i := uint64(0); i < size; i++ {
				p, err := c.InclusionProof(i, size)
				if err != nil {
					t.Fatal(err)
				}
				if err := tlog.CheckRecord(p, int64(size), ck.Root, int64(i), leaves[i]); err != nil {
					t.Fatalf("inclusion of %d in %d: %v", i, size, err)
				}
				proofs++
				if len(p) > 0 {
					bad := append(tlog.RecordProof(nil), p...)
					bad[len(bad)/2][3] ^= 1
					if tlog.CheckRecord(bad, int64(size), ck.Root, int64(i), leaves[i]) == nil {
						t.Fatalf("tampered inclusion proof of %d in %d verified", i, size)
					}
				}
				other := leaves[(i+1)%uint64(len(leaves))]
				if size > 1 && tlog.CheckRecord(p, int64(size), ck.Root, int64(i), other) == nil {
					t.Fatalf("proof of %d in %d verified another leaf", i, size)
				}
			}
			for _, old := range sizes {
				if old > size {
					continue
				}
				p, err := c.ConsistencyProof(old, size)
				if err != nil {
					t.Fatal(err)
				}
				if err := tlog.CheckTree(p, int64(size), ck.Root, int64(old), cks[old].Root); err != nil {
					t.Fatalf("consistency %d → %d: %v", old, size, err)
				}
				if len(p) > 0 {
					bad := append(tlog.TreeProof(nil), p...)
					bad[0][0] ^= 0x80
					if tlog.CheckTree(bad, int64(size), ck.Root, int64(old), cks[old].Root) == nil {
						t.Fatalf("tampered consistency proof %d → %d verified", old, size)
					}
				}
			}
		}
		if proofs != 1+2+4+7+12+20+21+34 {
			t.Fatalf("%d inclusion proofs checked", proofs)
		}
		if _, err := c.InclusionProof(34, 34); err == nil {
			t.Fatal("proof of entry 34 in a tree of 34")
		}
		if _, err := c.InclusionProof(0, 35); err == nil {
			t.Fatal("proof in a tree larger than the log")
		}
		if _, err := c.ConsistencyProof(0, 3); err == nil {
			t.Fatal("consistency proof from the empty tree")
		}
	})
}

// TestProofTamperedStore shows that a proof read from a damaged tree hash
// does not verify against the signed root.
func TestProofTamperedStore(t *testing.T) {
	c, b := newCase(t, backends[0])
	ctx := context.Background()
	for i := 0; i < 6; i++ {
		if _, err := c.Append(ctx, evidence.Draft{Kind: "note.added", Actor: "t", Payload: map[string]int{"i": i}}); err != nil {
			t.Fatal(err)
		}
	}
	_, ck, err := c.CheckpointAt(7)
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.Entry(6)
	if err != nil {
		t.Fatal(err)
	}
	// The stored hash of the subtree of entries 4 and 5, which the proof of
	// entry 6 in a tree of 7 uses.
	setStoredHash(t, b, uint64(tlog.StoredHashIndex(1, 2)), make([]byte, 32))
	p, err := c.InclusionProof(6, 7)
	if err != nil {
		t.Fatal(err)
	}
	if tlog.CheckRecord(p, 7, ck.Root, 6, e.LeafHash()) == nil {
		t.Fatal("proof built from a damaged tree hash verified")
	}
}
