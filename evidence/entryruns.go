package evidence

import (
	"bytes"
	"errors"
	"fmt"
)

// Entries are stored in runs: a commit writes its entries, consecutive in
// the log, under a few keys, er/<index of the run's last entry>, each
// holding the canonical bytes of up to maxRunEntries entries joined by a
// single '\n' (canonical JSON escapes every control character, so an
// entry never holds a raw newline: a run reads like JSON lines). Badger's
// cost is per key (its value log, skiplist and tables), and with a key
// per entry it was most of an append's. Cases written before keep their
// entries under e/<index>, one per key, and add runs after them; every
// reader takes entries from both, through scanEntries or readEntry.

// Run bounds. Appends in batches of 1,000 entries of about 330 bytes
// measured the same (within the noise of a shared machine) with runs of
// up to 1 KiB (kept in Badger's write-ahead log), 16, 64 and 256 KiB (in
// its value log). Reading one entry reads its whole run, so runs stay
// small enough for that: 64 KiB, 256 entries.
const (
	maxRunEntries = 256
	maxRunBytes   = 64 << 10
)

// entryRun is the run of stored entries that ends at index last: its
// parts, numbered last-len(parts)+1 … last.
type entryRun struct {
	last  uint64
	parts [][]byte
}

// splitRun cuts a run's value into entries. The value is not copied.
func splitRun(last uint64, v []byte) entryRun {
	parts := bytes.Split(v, []byte{'\n'})
	for i, p := range parts {
		parts[i] = p[:len(p):len(p)]
	}
	return entryRun{last: last, parts: parts}
}

// first is the index of the run's first entry by its key; ok is false when
// the run holds more entries than its key leaves room for.
func (r entryRun) first() (uint64, bool) {
	n := uint64(len(r.parts))
	if n > r.last+1 {
		return 0, false
	}
	return r.last + 1 - n, true
}

// readEntry returns the canonical bytes of entry i: from the first run
// ending at i or later, if it holds i, else from e/<i>. Only entry i's
// bytes are copied out of the run.
func readEntry(b Backend, i uint64) ([]byte, error) {
	var raw []byte
	found := false
	err := b.Scan(prefixEntryRun, indexKey(prefixEntryRun, i), func(k, v []byte) error {
		last, ok := keyIndex(prefixEntryRun, k)
		if !ok {
			return fmt.Errorf("malformed entry run key %x", k)
		}
		n := uint64(bytes.Count(v, []byte{'\n'})) + 1
		if n > last+1 || last+1-n > i {
			return errStopScan // a malformed run, or one starting after i
		}
		for skip := last - i; skip > 0; skip-- { // from the end: the run ends at last
			v = v[:bytes.LastIndexByte(v, '\n')]
		}
		if at := bytes.LastIndexByte(v, '\n'); at >= 0 {
			v = v[at+1:]
		}
		raw, found = bytes.Clone(v), true
		return errStopScan
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return nil, err
	}
	if found {
		return raw, nil
	}
	return b.Get(indexKey(prefixEntry, i))
}

// storedEntry is one entry as scanEntries finds it: its position in the
// log, the key it is stored under (its own or its run's) and its bytes,
// which the caller may keep.
type storedEntry struct {
	index uint64
	key   []byte
	keyOK bool
	raw   []byte
}

// scanEntries visits the stored entries in order from index from: first
// the single entries of a case written before runs (e/), then the runs
// (er/). A run's entries are numbered back from its key, except when the
// run does not start where the one before ended but its first entry says
// it is the next one: then they are numbered on from there, so that an
// entry removed from inside a run is reported at its own index, not at
// the run's start. Numbers may thus repeat or skip in a damaged store;
// verification reports both.
func scanEntries(b Backend, from uint64, fn func(storedEntry) error) error {
	next, known := from, from == 0 // where the entries before from end is not known
	err := b.Scan(prefixEntry, indexKey(prefixEntry, from), func(k, v []byte) error {
		i, ok := keyIndex(prefixEntry, k)
		next, known = i+1, ok
		return fn(storedEntry{index: i, key: bytes.Clone(k), keyOK: ok, raw: bytes.Clone(v)})
	})
	if err != nil {
		return err
	}
	return b.Scan(prefixEntryRun, indexKey(prefixEntryRun, from), func(k, v []byte) error {
		last, ok := keyIndex(prefixEntryRun, k)
		if !ok {
			return fn(storedEntry{key: bytes.Clone(k)})
		}
		run := splitRun(last, bytes.Clone(v))
		start, fits := run.first()
		if known && (!fits || start != next) {
			if e, err := ParseEntry(run.parts[0]); err == nil && e.Index == next {
				start, fits = next, true
			}
		}
		if !fits {
			start = next // more entries than the key leaves room for
		}
		key := bytes.Clone(k)
		for j, p := range run.parts {
			i := start + uint64(j)
			if i < from {
				continue
			}
			if err := fn(storedEntry{index: i, key: key, keyOK: true, raw: p}); err != nil {
				return err
			}
		}
		next, known = start+uint64(len(run.parts)), true
		return nil
	})
}

// entryRunOps appends to ops the writes of a commit's entries: slab holds
// their canonical bytes joined by '\n', ends[j] the end of entry j in
// slab, and the first is entry first. They are cut into runs of at most
// maxRunEntries entries and, unless one entry is longer, maxRunBytes.
// The runs' values are slices of slab.
func entryRunOps(ops []Op, first uint64, slab []byte, ends []int) []Op {
	start, j0 := 0, 0
	for j := range ends {
		n := j - j0 + 1
		if j == len(ends)-1 || n == maxRunEntries || ends[j+1]-start > maxRunBytes {
			v := slab[start:ends[j]:ends[j]]
			ops = append(ops, Op{Key: indexKey(prefixEntryRun, first+uint64(j)), Value: v})
			start, j0 = ends[j]+1, j+1
		}
	}
	return ops
}
