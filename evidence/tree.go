package evidence

import "golang.org/x/mod/sumdb/tlog"

// compactRange is the right edge of an RFC 6962 Merkle tree: the roots of the
// perfect subtrees that cover leaves [0, size), largest first. Appending a
// leaf yields exactly the hashes that tlog stores for that record, in tlog's
// storage order, so the same code maintains the tree on append and
// recomputes it during verification.
type compactRange struct {
	size   uint64
	hashes []tlog.Hash // one per set bit of size, most significant first
}

// storedHash is a hash tlog keeps, with its position in tlog's storage order.
type storedHash struct {
	index int64
	hash  tlog.Hash
}

// append adds leaf hash h as record size and calls emit for every hash that
// tlog stores for it (the leaf, then each completed parent).
func (r *compactRange) append(h tlog.Hash, emit func(storedHash)) {
	n := r.size
	if emit != nil {
		emit(storedHash{tlog.StoredHashIndex(0, int64(n)), h})
	}
	level := 0
	for (n>>level)&1 == 1 {
		left := r.hashes[len(r.hashes)-1]
		r.hashes = r.hashes[:len(r.hashes)-1]
		h = tlog.NodeHash(left, h)
		level++
		if emit != nil {
			emit(storedHash{tlog.StoredHashIndex(level, int64(n>>level)), h})
		}
	}
	r.hashes = append(r.hashes, h)
	r.size++
}

// root returns the tree hash of the leaves appended so far.
func (r *compactRange) root() tlog.Hash {
	if len(r.hashes) == 0 {
		return tlog.Hash{}
	}
	h := r.hashes[len(r.hashes)-1]
	for i := len(r.hashes) - 2; i >= 0; i-- {
		h = tlog.NodeHash(r.hashes[i], h)
	}
	return h
}

func (r *compactRange) clone() compactRange {
	return compactRange{size: r.size, hashes: append([]tlog.Hash(nil), r.hashes...)}
}

// rangeIndexes returns the stored-hash indexes of the perfect subtrees that
// make up a tree of size n, largest first: what loadRange needs to read.
func rangeIndexes(n uint64) []int64 {
	var idx []int64
	var start uint64
	for level := 63; level >= 0; level-- {
		if n&(1<<level) == 0 {
			continue
		}
		idx = append(idx, tlog.StoredHashIndex(level, int64(start>>level)))
		start += 1 << level
	}
	return idx
}
