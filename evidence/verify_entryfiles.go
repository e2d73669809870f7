package evidence

import (
	"bytes"
	"errors"
	"fmt"
)

// walkedLog is what verification's walk of the entries found: the
// pointers of the runs kept in entry files, in log order, and the log's
// size and last entry's hash.
type walkedLog struct {
	ptrs [][]byte
	size uint64
	last [32]byte
}

// verifyEntryFiles checks the entry files beyond the entries read through
// the index: no bytes outside the indexed records, and nothing after the
// last one. Records after it are reported for what they are (judgeTail):
// acknowledged entries not yet indexed, or an interrupted commit's bytes,
// which a writable open indexes or removes; this check changes nothing.
func verifyEntryFiles(r *Report, b Backend, ef EntryFiles, w walkedLog) {
	problem := func(where, detail string) { r.add(ProblemStore, where, "%s", detail) }
	if err := ef.CheckEntryFiles(w.ptrs, problem); err != nil {
		r.add(ProblemStore, "entry files", "cannot check the entry files: %v", err)
	}
	var after []byte
	if len(w.ptrs) > 0 {
		after = w.ptrs[len(w.ptrs)-1]
	}
	// Recovery looks for records after the one this key names.
	if key, err := b.Get(keyEntryFiles); err != nil && !errors.Is(err, ErrNotFound) {
		r.add(ProblemStore, "entry files", "cannot read the key naming the last indexed record: %v", err)
	} else if !bytes.Equal(key, after) {
		r.add(ProblemStore, "entry files", "the key entryfiles does not name the last record the entry runs point to (changed?)")
	}
	runs, torn, err := ef.EntryRunsAfter(after)
	if err != nil {
		r.add(ProblemStore, "entry files", "after the last indexed record: %v", err)
		return
	}
	t, err := judgeTail(runs, torn, w.size, w.last)
	if err != nil {
		r.add(ProblemStore, "entry files", "%v", err)
		return
	}
	if n := len(t.ack); n > 0 {
		first, last := t.ack[0].First, t.ack[n-1].First+uint64(t.ack[n-1].Count)-1
		r.add(ProblemStore, "entry files", "entries %d to %d were made durable but are not yet indexed (a commit interrupted by a crash or power cut): they are not covered by any checkpoint; any command that writes to the case indexes them and signs a checkpoint", first, last)
	}
	if t.cut > 0 || t.torn > 0 {
		cut := fmt.Sprintf("%d record(s) of a commit never acknowledged", t.cut)
		if t.cut == 0 {
			cut = "no complete record"
		}
		r.add(ProblemStore, "entry files", "after the last indexed record the entry files hold %s and %d more bytes forming no record (an interrupted commit, or bytes added): a command that writes to the case removes them", cut, t.torn)
	}
}
