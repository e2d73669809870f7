package evidence

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// TestLeafTree checks roots against a direct RFC 6962 computation and
// every proof of trees of 1 to 9 leaves, and that a changed leaf, index or
// proof hash fails.
func TestLeafTree(t *testing.T) {
	if r := mustTree(t, nil).Root(); r != sha256.Sum256(nil) {
		t.Fatalf("empty root %x", r)
	}
	for n := 1; n <= 9; n++ {
		var leaves [][]byte
		for i := 0; i < n; i++ {
			leaves = append(leaves, []byte(fmt.Sprintf(`{"indicator":"192.0.2.%d"}`, i)))
		}
		tr := mustTree(t, leaves)
		if tr.Root() != mth(leaves) {
			t.Fatalf("%d leaves: root differs from RFC 6962", n)
		}
		for i := range leaves {
			p, err := tr.Proof(uint64(i))
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckLeaf(p, uint64(n), tr.Root(), uint64(i), leaves[i]); err != nil {
				t.Fatalf("%d/%d: %v", i, n, err)
			}
			if CheckLeaf(p, uint64(n), tr.Root(), uint64(i), append([]byte(" "), leaves[i]...)) == nil {
				t.Fatal("a changed leaf was proven")
			}
			if n > 1 && CheckLeaf(p, uint64(n), tr.Root(), uint64((i+1)%n), leaves[i]) == nil {
				t.Fatal("a leaf was proven at another index")
			}
			if len(p) > 0 {
				p[0][0] ^= 1
				if CheckLeaf(p, uint64(n), tr.Root(), uint64(i), leaves[i]) == nil {
					t.Fatal("a changed proof was accepted")
				}
			}
		}
	}
	r := mustTree(t, [][]byte{[]byte("a")}).Root()
	if got, err := ParseRoot(EncodeRoot(r)); err != nil || got != r {
		t.Fatalf("root round trip: %v", err)
	}
	if _, err := ParseRoot("abc"); err == nil {
		t.Fatal("a bad root was read")
	}
}

func mustTree(t *testing.T, leaves [][]byte) *LeafTree {
	t.Helper()
	tr, err := NewLeafTree(leaves)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// mth is RFC 6962's MTH, written from §2.1.
func mth(d [][]byte) tlog.Hash {
	if len(d) == 1 {
		return sha256.Sum256(append([]byte{0}, d[0]...))
	}
	k := 1
	for k*2 < len(d) {
		k *= 2
	}
	l, r := mth(d[:k]), mth(d[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}
