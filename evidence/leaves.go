package evidence

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// LeafTree is an RFC 6962 Merkle tree (SHA-256) over items that one
// custody entry speaks of: one leaf per item (per assessed source, per
// observation), each the item's canonical JSON. The entry records only the
// root, so that each item can later be shown and proven on its own,
// without the others, by an inclusion proof to that root.
type LeafTree struct {
	n      int64
	stored []tlog.Hash // in tlog's storage order
}

// NewLeafTree builds the tree of leaves, in order.
func NewLeafTree(leaves [][]byte) (*LeafTree, error) {
	hs := make([]tlog.Hash, len(leaves))
	for i, l := range leaves {
		hs[i] = tlog.RecordHash(l)
	}
	return NewLeafTreeOfHashes(hs)
}

// NewLeafTreeOfHashes builds the tree whose leaf hashes (SHA-256(0x00 ||
// leaf)) are hs, in order: for leaves too many to hold at once.
func NewLeafTreeOfHashes(hs []tlog.Hash) (*LeafTree, error) {
	t := &LeafTree{}
	for _, h := range hs {
		stored, err := tlog.StoredHashesForRecordHash(t.n, h, t)
		if err != nil {
			return nil, fmt.Errorf("leaf tree: %w", err)
		}
		t.stored = append(t.stored, stored...)
		t.n++
	}
	return t, nil
}

// ReadHashes implements tlog.HashReader over the tree's own hashes.
func (t *LeafTree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		if idx < 0 || idx >= int64(len(t.stored)) {
			return nil, fmt.Errorf("leaf tree: no hash %d", idx)
		}
		out[i] = t.stored[idx]
	}
	return out, nil
}

// Size is the number of leaves.
func (t *LeafTree) Size() uint64 { return uint64(t.n) }

// Root is the tree's root hash; that of no leaves is SHA-256 of nothing,
// as RFC 6962 defines it.
func (t *LeafTree) Root() tlog.Hash {
	if t.n == 0 {
		return sha256.Sum256(nil)
	}
	h, err := tlog.TreeHash(t.n, t)
	if err != nil {
		panic(err) // every hash of the tree is held
	}
	return h
}

// Proof is the inclusion proof of leaf i.
func (t *LeafTree) Proof(i uint64) (tlog.RecordProof, error) {
	if i >= uint64(t.n) {
		return nil, fmt.Errorf("leaf tree: leaf %d of %d", i, t.n)
	}
	return tlog.ProveRecord(t.n, int64(i), t)
}

// CheckLeaf checks that leaf is leaf i of the tree of size leaves whose
// root is root: the leaf hash is SHA-256(0x00 || leaf), as for custody
// entries.
func CheckLeaf(proof tlog.RecordProof, size uint64, root tlog.Hash, i uint64, leaf []byte) error {
	if i >= size {
		return fmt.Errorf("leaf %d is not in a tree of %d", i, size)
	}
	return tlog.CheckRecord(proof, int64(size), root, int64(i), tlog.RecordHash(leaf))
}

// EncodeRoot writes a leaf tree's root as an entry records it (base64,
// as in checkpoints); ParseRoot reads it back.
func EncodeRoot(h tlog.Hash) string { return base64.StdEncoding.EncodeToString(h[:]) }

// ParseRoot reads a root written by EncodeRoot.
func ParseRoot(s string) (tlog.Hash, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != len(tlog.Hash{}) || base64.StdEncoding.EncodeToString(b) != s {
		return tlog.Hash{}, fmt.Errorf("%q is not a base64 SHA-256 root", s)
	}
	return tlog.Hash(b), nil
}

// ItemLeaf is one item an entry commits to by leaf (an observation of an
// observations.recorded entry): its index in the entry's leaf tree, what
// it is about (an indicator), and the leaf itself (canonical JSON).
type ItemLeaf struct {
	Index uint64
	About string
	JSON  []byte
}
