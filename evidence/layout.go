package evidence

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// The store layout version says how a case's log is laid out in its
// Backend, so that a Casefile finding a layout it does not know says so
// instead of taking the unfamiliar keys for damage:
//
//	1  entries and tree hashes one per key (e/, h/)
//	2  tree hashes in runs (hr/)
//	3  entries in runs too (er/)
//	4  entry runs of durable commits in entry files beside the store,
//	   er/ holding pointers to them (EntryFiles)
//	5  bulk derived values (Op.Bulk: event blocks, postings, search index
//	   and result leaf parts) possibly in value files beside the store,
//	   their keys holding pointers the backend marks as such
//
// It is written, in decimal, under the key "layout" with a case's first
// commit, and with the first commit a newer Casefile makes to an older
// case (whose earlier entries and hashes keep their keys). Cases written
// before the version existed have no such key; their keys say what they
// hold. Bulk derived values are written outside the log's commits, so
// WriteDerived writes the layout too with the first bulk value it stores
// in an older case (bulkLayoutOps).
const storeLayout = 5

// ErrNewerLayout is wrapped by Open's error for a case whose store layout
// is newer than this Casefile reads.
var ErrNewerLayout = errors.New("the case was written by a newer Casefile")

// readLayout returns the store's layout version, 0 when none is stored.
func readLayout(b Backend) (int, error) {
	v, err := b.Get(keyLayout)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read the store layout: %w", err)
	}
	n, err := strconv.Atoi(string(v))
	if err != nil || n < 1 || strconv.Itoa(n) != string(v) {
		return 0, fmt.Errorf("%w: the store layout key holds %d bytes that are not a layout number", ErrStoreDamaged, len(v))
	}
	if n > storeLayout {
		return n, &classed{fmt.Sprintf("this case was written by a newer Casefile (store layout %d); this version reads up to %d (if no newer Casefile ever wrote to it, its layout key was altered: treat the store as damaged)", n, storeLayout), ErrNewerLayout}
	}
	return n, nil
}

// layoutOp is the write of this version's layout number.
func layoutOp() Op {
	return Op{Key: keyLayout, Value: []byte(strconv.Itoa(storeLayout))}
}

// bulkLayoutOps adds the layout write to ops when they hold a bulk value
// and the store's layout is older than this version's: a Casefile that
// cannot read values kept outside the index then refuses the case by
// name (ErrNewerLayout) instead of reading pointers as values.
func (c *Case) bulkLayoutOps(ops []Op) []Op {
	if c.bulkLayout.Load() || !slices.ContainsFunc(ops, func(op Op) bool { return op.Bulk }) {
		return ops
	}
	return append(ops[:len(ops):len(ops)], layoutOp())
}
