package evidence

import (
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// Tree hashes are stored in runs: each commit appends leaves whose stored
// hashes (tlog's storage order) are consecutive, and writes them under a
// few keys, hr/<index of the run's last hash>, each holding up to
// maxRunHashes 32-byte values end to end. A key per 31 hashes instead of
// one per hash (about two per entry): Badger's cost is per key, and it was
// most of an append's. Cases written
// before keep their hashes under h/<index>, one per key; readers take a
// hash from either (see hashReader), and verification reads both.

// errStopScan ends a Scan early.
var errStopScan = errors.New("stop")

// hashRun is the run of stored hashes that ends at index last.
type hashRun struct {
	last uint64
	data []byte // len(data)/32 hashes, for indexes last-n+1 … last
}

func (r hashRun) first() uint64 { return r.last + 1 - uint64(len(r.data)/len(tlog.Hash{})) }

// covers reports whether idx is in a well-formed run.
func (r hashRun) covers(idx uint64) bool {
	n := len(r.data) / len(tlog.Hash{})
	return n > 0 && len(r.data)%len(tlog.Hash{}) == 0 && uint64(n) <= r.last+1 && r.first() <= idx && idx <= r.last
}

func (r hashRun) hash(idx uint64) tlog.Hash {
	at := (idx - r.first()) * uint64(len(tlog.Hash{}))
	return tlog.Hash(r.data[at : at+uint64(len(tlog.Hash{}))])
}

// runAt reads the first run whose last index is idx or more: the one that
// holds idx, if any does.
func runAt(b Backend, idx uint64) (hashRun, bool, error) {
	var run hashRun
	found := false
	err := b.Scan(prefixHashRun, indexKey(prefixHashRun, idx), func(k, v []byte) error {
		last, ok := keyIndex(prefixHashRun, k)
		if !ok {
			return fmt.Errorf("malformed tree hash key %x", k)
		}
		run, found = hashRun{last: last, data: append([]byte(nil), v...)}, true
		return errStopScan
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return hashRun{}, false, err
	}
	return run, found, nil
}

// maxRunHashes bounds a run to 992 bytes: Badger keeps values under 1 KiB
// in its write-ahead log and tables, larger ones in its value log, and a
// durable commit that wrote to both files waits for two flushes to disk.
const maxRunHashes = 31

// hashRunOps appends to ops the writes of the hashes a commit emitted:
// sums holds them in emission order, which is storage order, ending at
// index last. They are cut into runs of at most maxRunHashes.
func hashRunOps(ops []Op, last int64, sums []byte) []Op {
	const size = len(tlog.Hash{})
	first := last + 1 - int64(len(sums)/size)
	for len(sums) > 0 {
		n := min(len(sums)/size, maxRunHashes)
		first += int64(n)
		ops = append(ops, Op{Key: indexKey(prefixHashRun, uint64(first-1)), Value: sums[: n*size : n*size]})
		sums = sums[n*size:]
	}
	return ops
}

// hashReader reads the stored tlog hashes, from runs (hr/) or, for hashes
// written before runs, single keys (h/). It never returns a hash for a
// tree larger than the log: callers check sizes first.
type hashReader struct{ b Backend }

func (r hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var run hashRun // the last run read: tiles read consecutive hashes
	for i, idx := range indexes {
		if idx < 0 {
			return nil, fmt.Errorf("tree hash %d: negative index", idx)
		}
		u := uint64(idx)
		if !run.covers(u) {
			next, found, err := runAt(r.b, u)
			if err != nil {
				return nil, fmt.Errorf("tree hash %d: %w", idx, err)
			}
			if found && next.covers(u) {
				run = next
			}
		}
		if run.covers(u) {
			out[i] = run.hash(u)
			continue
		}
		h, err := r.b.Get(indexKey(prefixHash, u))
		if err != nil {
			return nil, fmt.Errorf("tree hash %d: %w", idx, err)
		}
		if len(h) != len(tlog.Hash{}) {
			return nil, fmt.Errorf("tree hash %d: %d bytes, want %d", idx, len(h), len(tlog.Hash{}))
		}
		out[i] = tlog.Hash(h)
	}
	return out, nil
}
