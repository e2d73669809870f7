package evidence

import (
	"bytes"
	"crypto/sha256"
	"fmt"
)

// Records of the entry files past the last indexed one are left by a
// commit the process or the machine did not finish. What they are:
//
//   - bytes that form no complete record: a torn write, never
//     acknowledged;
//   - records of a commit whose last record is missing, or of a commit
//     that was to be acknowledged with its batch (WithBatch) when that
//     batch is not there: never acknowledged;
//   - whole entries-only commits that continue the log: acknowledged when
//     their fdatasync returned, so they are part of the log, and a
//     writable open indexes them.
//
// The first two are removed by a writable open. Anything else (a record
// that does not continue the log, records after a commit never
// acknowledged) is damage: nothing is cut or rewritten, and the open
// fails.
type entryTail struct {
	ack  []EntryRun // whole acknowledged commits, in order
	cut  int        // records after them never acknowledged
	torn int64      // bytes after the records forming none
}

// judgeTail sorts the records after the last indexed one (runs, then torn
// bytes) for a log of size entries whose last entry hashes to last.
func judgeTail(runs []EntryRun, torn int64, size uint64, last [32]byte) (entryTail, error) {
	t := entryTail{torn: torn}
	for i := 0; i < len(runs); {
		j := i
		for j < len(runs) && !runs[j].EndsCommit {
			j++
		}
		if j == len(runs) { // a commit cut short
			t.cut = len(runs) - i
			break
		}
		commit := runs[i : j+1]
		if commit[0].WithBatch {
			if j+1 < len(runs) {
				return t, fmt.Errorf("%w: the entry files hold records after a commit that was never acknowledged (entries %d on): they were not written by Casefile's commits", ErrStoreDamaged, runs[j+1].First)
			}
			t.cut = len(commit)
			break
		}
		for _, r := range commit {
			var err error
			if size, last, err = checkContinues(r, size, last); err != nil {
				return t, err
			}
		}
		t.ack = append(t.ack, commit...)
		i = j + 1
	}
	return t, nil
}

// checkContinues checks that run r holds entries size, size+1, … chained
// to last, and returns the log's new size and last hash.
func checkContinues(r EntryRun, size uint64, last [32]byte) (uint64, [32]byte, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: the entry files hold a record of entries %d to %d past the indexed log of %d entries that does not continue it (%s); nothing was changed: run casefile verify",
			ErrStoreDamaged, r.First, r.First+uint64(r.Count)-1, size, fmt.Sprintf(format, args...))
	}
	if r.First != size {
		return size, last, bad("it starts at entry %d", r.First)
	}
	parts := bytes.Split(r.Body, []byte{'\n'})
	if len(parts) != r.Count {
		return size, last, bad("it holds %d entries, its header says %d", len(parts), r.Count)
	}
	for _, raw := range parts {
		e, err := ParseEntry(raw)
		if err != nil {
			return size, last, bad("entry %d: %v", size, err)
		}
		if e.Index != size {
			return size, last, bad("entry %d says it is entry %d", size, e.Index)
		}
		if err := CheckLink(e, last); err != nil {
			return size, last, bad("entry %d: %v", size, err)
		}
		size, last = size+1, sha256.Sum256(raw)
	}
	return size, last, nil
}

// recoverEntryFiles, at a writable open, removes the records never
// acknowledged and indexes the acknowledged ones (judgeTail), with a new
// signed checkpoint. Without the signing key (a store opened writable to
// let the database recover) it only removes: the acknowledged records
// wait for an open that can sign, and damage is left for verification
// to report.
func (l *Log) recoverEntryFiles() error {
	err := l.recoverTail()
	if err != nil && l.signer == nil {
		return nil // left as it is, for verification to report
	}
	return err
}

func (l *Log) recoverTail() error {
	runs, torn, err := l.files.EntryRunsAfter(l.lastPtr)
	if err != nil {
		return err
	}
	if len(runs) == 0 && torn == 0 {
		return nil
	}
	t, err := judgeTail(runs, torn, l.st.size, l.st.last)
	if err != nil {
		return err
	}
	keep := l.lastPtr
	if len(t.ack) > 0 {
		keep = t.ack[len(t.ack)-1].Ptr
	}
	if t.cut > 0 || t.torn > 0 {
		if err := l.files.TruncateEntryRuns(keep); err != nil {
			return err
		}
	}
	if len(t.ack) == 0 || l.signer == nil {
		return nil
	}
	return l.reindex(t.ack)
}

// reindex writes, durably, the index of runs already in the entry files
// and checked to continue the log: their pointers, tree hashes and the
// signed checkpoint of each commit they hold (Ed25519 signatures are
// deterministic: the same notes the commits signed).
func (l *Log) reindex(runs []EntryRun) error {
	st := l.st
	st.tree = st.tree.clone()
	var sums []byte
	lastHash := int64(-1)
	emit := func(s storedHash) {
		sums = append(sums, s.hash[:]...)
		lastHash = s.index
	}
	var ops []Op
	for i, r := range runs {
		for _, raw := range bytes.Split(r.Body, []byte{'\n'}) {
			e, err := ParseEntry(raw)
			if err != nil {
				return err // checked by judgeTail
			}
			st.tree.append(e.LeafHash(), emit)
			st.size, st.last, st.lastTime = st.size+1, e.Hash(), e.Time
		}
		if r.EndsCommit && i < len(runs)-1 { // the last commit's is seal's
			msg, err := SignCheckpoint(Checkpoint{Origin: l.origin, Size: st.size, Root: st.tree.root()}, l.signer)
			if err != nil {
				return err
			}
			ops = append(ops, Op{Key: indexKey(prefixCheckpoint, st.size), Value: msg})
		}
	}
	ops, msg, err := l.seal(entryPointerOps(ops, runs), st, sums, lastHash)
	if err != nil {
		return err
	}
	if err := l.b.Write(ops, true); err != nil {
		return fmt.Errorf("index the entries made durable by an interrupted commit: %w", err)
	}
	l.st, l.ckpt, l.lastPtr, l.layout = st, msg, runs[len(runs)-1].Ptr, storeLayout
	return nil
}
