package evidence

import (
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// InclusionProof returns the RFC 6962 inclusion proof (audit path) of entry
// index in the tree of the first treeSize entries. Check it with
// tlog.CheckRecord against the root of a signed checkpoint of that size and
// the entry's LeafHash. The proof is read from the stored tree hashes;
// verification, not this function, establishes that they are right.
func (c *Case) InclusionProof(index, treeSize uint64) (tlog.RecordProof, error) {
	if treeSize > c.log.Size() {
		return nil, fmt.Errorf("inclusion proof: tree size %d is larger than the log (%d entries)", treeSize, c.log.Size())
	}
	if index >= treeSize {
		return nil, fmt.Errorf("inclusion proof: entry %d is not in a tree of size %d", index, treeSize)
	}
	p, err := tlog.ProveRecord(int64(treeSize), int64(index), hashReader{c.b})
	if err != nil {
		return nil, fmt.Errorf("inclusion proof of entry %d in tree %d: %w", index, treeSize, err)
	}
	return p, nil
}

// ConsistencyProof returns the RFC 6962 consistency proof that the tree of
// the first oldSize entries is a prefix of the tree of the first newSize
// entries. Check it with tlog.CheckTree against the roots of the two
// signed checkpoints.
func (c *Case) ConsistencyProof(oldSize, newSize uint64) (tlog.TreeProof, error) {
	if newSize > c.log.Size() {
		return nil, fmt.Errorf("consistency proof: tree size %d is larger than the log (%d entries)", newSize, c.log.Size())
	}
	if oldSize == 0 || oldSize > newSize {
		return nil, fmt.Errorf("consistency proof: sizes %d and %d are not 0 < old <= new", oldSize, newSize)
	}
	p, err := tlog.ProveTree(int64(newSize), int64(oldSize), hashReader{c.b})
	if err != nil {
		return nil, fmt.Errorf("consistency proof from %d to %d: %w", oldSize, newSize, err)
	}
	return p, nil
}

// ErrNoCheckpoint is returned by CheckpointAt when no checkpoint was signed
// at that size (checkpoints are signed per commit, not per entry).
var ErrNoCheckpoint = errors.New("no checkpoint was signed at that size")

// CheckpointAt returns the stored signed checkpoint note for tree size
// size, after checking its signature with the case's verifier and that it
// names that size.
func (c *Case) CheckpointAt(size uint64) ([]byte, Checkpoint, error) {
	if size == 0 || size > c.log.Size() {
		return nil, Checkpoint{}, fmt.Errorf("checkpoint %d: %w", size, ErrNoCheckpoint)
	}
	msg, err := c.b.Get(indexKey(prefixCheckpoint, size))
	if errors.Is(err, ErrNotFound) {
		return nil, Checkpoint{}, fmt.Errorf("checkpoint %d: %w", size, ErrNoCheckpoint)
	}
	if err != nil {
		return nil, Checkpoint{}, fmt.Errorf("checkpoint %d: %w", size, err)
	}
	ck, err := OpenCheckpoint(msg, c.verifier)
	if err != nil {
		return nil, ck, fmt.Errorf("checkpoint %d: %w", size, err)
	}
	if ck.Size != size {
		return nil, ck, fmt.Errorf("checkpoint stored at size %d says size %d", size, ck.Size)
	}
	return append([]byte(nil), msg...), ck, nil
}
