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
		v, err := runBytes(b, v)
		if err != nil {
			return fmt.Errorf("entry run %d: %w", last, err)
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
	// runErr, on the first entry visited of a run kept in the entry
	// files, is what is wrong with its record (its entries may still be
	// there to be checked one by one).
	runErr error
	// ptr, on the first entry visited of a run kept in the entry files,
	// is its er/ value: the record's pointer.
	ptr []byte
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
		var ptr []byte
		if isRunPointer(v) {
			ptr = bytes.Clone(v)
		}
		v, runErr := runBytes(b, v)
		if v == nil && runErr != nil {
			err := fn(storedEntry{index: last, key: bytes.Clone(k), keyOK: true, runErr: runErr, ptr: ptr})
			next, known = last+1, true
			return err
		}
		if ptr == nil {
			v = bytes.Clone(v) // the store's buffer; a record read is the caller's already
		}
		run := splitRun(last, v)
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
			se := storedEntry{index: i, key: key, keyOK: true, raw: p, runErr: runErr, ptr: ptr}
			runErr, ptr = nil, nil
			if err := fn(se); err != nil {
				return err
			}
		}
		next, known = start+uint64(len(run.parts)), true
		return nil
	})
}

// runBounds cuts a commit's entries into runs: ends[j] is the end of
// entry j in the slab of their canonical bytes joined by '\n'. Each run
// holds at most maxRunEntries entries and, unless one entry is longer,
// maxRunBytes; fn gets the entries lo … hi-1 of each run and its bytes'
// bounds in the slab.
func runBounds(ends []int, fn func(lo, hi, start, end int)) {
	start, j0 := 0, 0
	for j := range ends {
		n := j - j0 + 1
		if j == len(ends)-1 || n == maxRunEntries || ends[j+1]-start > maxRunBytes {
			fn(j0, j+1, start, ends[j])
			start, j0 = ends[j]+1, j+1
		}
	}
}

// entryRunOps appends to ops the writes of a commit's entries kept inline:
// slab holds their canonical bytes joined by '\n', ends[j] the end of
// entry j in slab, and the first is entry first. The runs' values are
// slices of slab.
func entryRunOps(ops []Op, first uint64, slab []byte, ends []int) []Op {
	runBounds(ends, func(_, hi, start, end int) {
		ops = append(ops, Op{Key: indexKey(prefixEntryRun, first+uint64(hi-1)), Value: slab[start:end:end]})
	})
	return ops
}

// entryFileRuns is the records of a commit's entries kept in the entry
// files (see entryRunOps for slab and ends).
func entryFileRuns(first uint64, slab []byte, ends []int, withBatch bool) []EntryRun {
	var runs []EntryRun
	runBounds(ends, func(lo, hi, start, end int) {
		runs = append(runs, EntryRun{First: first + uint64(lo), Count: hi - lo, WithBatch: withBatch, Body: slab[start:end:end]})
	})
	runs[len(runs)-1].EndsCommit = true
	return runs
}

// entryPointerOps appends to ops the index of runs written to the entry
// files: each run's pointer under its er/ key, and the last run's under
// keyEntryFiles.
func entryPointerOps(ops []Op, runs []EntryRun) []Op {
	for _, r := range runs {
		ops = append(ops, Op{Key: indexKey(prefixEntryRun, r.First+uint64(r.Count)-1), Value: r.Ptr})
	}
	return append(ops, Op{Key: keyEntryFiles, Value: runs[len(runs)-1].Ptr})
}
