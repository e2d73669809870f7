package evidence

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// fileWrite is a commit's write to the entry files, under way while the
// rest of the commit is computed.
type fileWrite struct {
	runs      []EntryRun
	withBatch bool
	unsynced  uint64 // l.unsynced when the commit began
	done      chan error
}

// startFileWrite starts writing a durable commit's entries to the entry
// files, when the backend has them, and making them durable; nil when
// the entries stay inline. The records are acknowledged only with the
// commit's batch (WithBatch) when the commit carries ops or follows
// writes not yet durable.
func (l *Log) startFileWrite(first uint64, slab []byte, ends []int, hasOps, durable bool) *fileWrite {
	if l.files == nil || !durable {
		return nil
	}
	unsynced := l.unsynced.Load()
	withBatch := hasOps || unsynced != 0
	fw := &fileWrite{runs: entryFileRuns(first, slab, ends, withBatch), withBatch: withBatch, unsynced: unsynced, done: make(chan error, 1)}
	go func() { fw.done <- l.files.AppendEntryRuns(fw.runs) }()
	return fw
}

// write commits a new state of the log: ops (the requests' own), the
// entries (their canonical bytes in slab, entry j ending at ends[j], the
// first at index first), the tree hashes since the last commit (sums,
// the last numbered lastHash) and a signed checkpoint of st.
//
// A durable commit to a backend with entry files has written the entries
// there (fw), with one fdatasync, before the batch indexing them; the
// batch is durable only when the records say they need it (WithBatch):
// an entries-only commit is whole once its records are on disk, since a
// writable open indexes records the batch did not (recoverEntryFiles).
// Its callers are therefore answered before its batch is written
// (indexLater). Records of a commit that fails are cut off again. Lazy
// commits keep their entries inline, as before layout 4: their batch may
// reach the disk through the database's own flushes, and must then never
// name records a power cut lost.
func (l *Log) write(ops []Op, st logState, first uint64, slab []byte, ends []int, sums []byte, lastHash int64, durable bool, fw *fileWrite) error {
	batchDurable, unsynced := durable, l.unsynced.Load()
	if fw != nil {
		batchDurable, unsynced = fw.withBatch, fw.unsynced
	} else {
		ops = entryRunOps(ops, first, slab, ends)
	}
	ops, msg, err := l.seal(ops, st, sums, lastHash)
	if fw != nil {
		if ferr := <-fw.done; ferr != nil {
			return ferr // nothing of it is left in the files
		}
		if err == nil {
			ops = entryPointerOps(ops, fw.runs)
			if l.loseBatches {
				return errors.New("test: the batch was lost")
			}
		}
	} else if !batchDurable {
		l.unsynced.Add(1)
	}
	if err == nil {
		err = l.settle() // the batch before goes first
	}
	if err == nil && fw != nil && !batchDurable {
		l.indexLater(ops, st, msg, fw.runs[len(fw.runs)-1].Ptr)
		return nil
	}
	if err == nil {
		err = l.b.Write(ops, batchDurable)
	}
	if err != nil {
		if fw != nil {
			if terr := l.files.TruncateEntryRuns(l.lastPtr); terr != nil {
				l.mu.Lock()
				l.damaged = fmt.Errorf("a failed commit's entries could not be removed from the entry files: %v", terr)
				l.mu.Unlock()
			}
		}
		return err
	}
	if batchDurable {
		l.unsynced.CompareAndSwap(unsynced, 0)
	}
	l.tip, l.layout = st, storeLayout
	if fw != nil {
		l.lastPtr = fw.runs[len(fw.runs)-1].Ptr
	}
	l.publish(st, msg)
	return nil
}

// An entries-only durable commit is acknowledged once its records are
// on disk; the batch indexing them (run pointers, tree hashes,
// checkpoint) is written after its callers are answered, so that it is
// not on their path. It is written by whoever needs it first: the next
// commit, while its own records are being made durable (the processors
// are idle then; at once, it would compete with the next callers'
// encoding), a reader, or, when neither comes within indexDelay, a
// timer. Nothing is lost by it: the batch is not durable anyway, and
// what a power cut can do to it a kill can too; the next writable open
// indexes the records from the files. Readers in the process see the
// commit only once its batch is written: the head (st, ckpt) moves then,
// and whatever reads the log through the head (Size, Checkpoint, hold,
// Case.Entry, Case.Close) first has the batch written (settle), so a
// caller reads what its append returned. The next commit writes its own
// batch only after it, in order. A batch that fails leaves the log
// damaged until it is opened again, which indexes the records: the
// commit was acknowledged and stays.

// indexDelay bounds how long an acknowledged commit waits for the next
// commit or a reader to write its index.
const indexDelay = 2 * time.Millisecond

// indexWrite is an index batch to be written after its commit's callers
// were answered, once (write); err is set before done is closed.
type indexWrite struct {
	l     *Log
	ops   []Op
	st    logState
	msg   []byte
	once  sync.Once
	timer *time.Timer
	done  chan struct{}
	err   error
}

// indexLater has ops, the index of a commit of state st whose last
// record is last, written after the caller returns (see above).
func (l *Log) indexLater(ops []Op, st logState, msg, last []byte) {
	l.tip, l.layout, l.lastPtr = st, storeLayout, last
	w := &indexWrite{l: l, ops: ops, st: st, msg: msg, done: make(chan struct{})}
	w.timer = time.AfterFunc(indexDelay, w.write)
	l.indexing.Store(w)
}

// write writes the batch and moves the head, the first time it is
// called; later calls wait for the first.
func (w *indexWrite) write() {
	w.once.Do(func() {
		defer close(w.done)
		l := w.l
		if err := l.b.Write(w.ops, false); err != nil {
			w.err = fmt.Errorf("the index of entries made durable in the entry files could not be written (%v): they are indexed when the case is next opened for writing", err)
			l.mu.Lock()
			l.damaged = w.err
			l.mu.Unlock()
			return
		}
		l.publish(w.st, w.msg)
		w.ops = nil
	})
	<-w.done
}

// settle writes the index batch not yet written, if any, or waits for
// it, and returns its error.
func (l *Log) settle() error {
	w := l.indexing.Load()
	if w == nil {
		return nil
	}
	w.timer.Stop() // set before w was stored
	w.write()
	return w.err
}

// publish makes st, with checkpoint msg, the head readers see.
func (l *Log) publish(st logState, msg []byte) {
	l.mu.Lock()
	l.st, l.ckpt = st, msg
	l.mu.Unlock()
}

// seal appends to ops the tree hashes since the last commit, the layout
// version when the store has an older one, and the signed checkpoint of
// st, which it returns.
func (l *Log) seal(ops []Op, st logState, sums []byte, lastHash int64) ([]Op, []byte, error) {
	ops = hashRunOps(ops, lastHash, sums)
	if l.layout != storeLayout {
		ops = append(ops, layoutOp())
	}
	msg, err := SignCheckpoint(Checkpoint{Origin: l.origin, Size: st.size, Root: st.tree.root()}, l.signer)
	if err != nil {
		return nil, nil, err
	}
	return append(ops, Op{Key: indexKey(prefixCheckpoint, st.size), Value: msg}), msg, nil
}
