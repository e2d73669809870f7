package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Group-commit bounds: one backend transaction holds at most this many
// entries and about this many bytes.
const (
	maxCommitEntries = 4096
	maxCommitBytes   = 3 << 20
)

// ErrReadOnly is returned when appending to a log opened without a signer.
var ErrReadOnly = errors.New("case opened read-only: no signing key")

// Log is the append-only, hash-chained, Merkle-tree custody log.
//
// Appends from many goroutines are group-committed: whoever finds the queue
// idle commits everything queued so far in one durable backend write, with
// one signed checkpoint, and hands each caller its entries. Entries, their
// tree hashes and the checkpoint are written in the same atomic batch, so a
// crash leaves either all of a commit or none of it.
type Log struct {
	b      Backend
	origin string
	signer note.Signer
	now    func() time.Time
	// damaged is set when the log's tail could not be read at open, or
	// when a failed commit's records could not be taken back out of the
	// entry files; the log can then be read and verified but not appended
	// to. Guarded by mu.
	damaged error
	// maxEntry, when set, bounds one new entry below MaxEntrySize (a
	// case published as tlog-tiles: Config.MaxEntry).
	maxEntry int
	// layout is the store layout version stored (0: none); a commit
	// writes storeLayout when it differs.
	layout int
	// files, when the backend keeps entry runs in files of its own, takes
	// durable commits' entries (entryfiles.go); lastPtr is the pointer of
	// the last record indexed.
	files   EntryFiles
	lastPtr []byte
	// unsynced counts the backend writes not made durable (lazy commits,
	// WriteDerived) since the last durable batch: while it is not zero, a
	// commit's records in the entry files are acknowledged only with a
	// durable batch, since a power cut could lose the writes before them.
	unsynced atomic.Uint64
	// loseBatches, set by tests, makes commits to the entry files stop
	// after the records are on disk, as a power cut before the batch
	// reached the disk would.
	loseBatches bool

	// st and ckpt are the log's head as readers see it: every key of it
	// is readable. Guarded by mu.
	mu   sync.RWMutex
	st   logState
	ckpt []byte
	// tip is the state of the last acknowledged commit, which the next
	// one continues: ahead of st while that commit's index is written
	// after its callers were answered (indexing). Guarded by held.
	tip logState
	// indexing is the index batch of the last commit that answered its
	// callers before writing it (indexLater): nil, written, or waiting
	// for the next commit, a reader or its timer to write it.
	indexing atomic.Pointer[indexWrite]
	qmu      sync.Mutex // guards queue and leading
	queue    []*appendReq
	lead     bool
	// hashers are the SHA-256 states of the last commit's entries,
	// reused by the next (entryChain). Guarded by held.
	hashers []hash.Hash
	// held is taken by each commit and by Verify while it reads the log,
	// so that a verification in a process that also appends (the
	// workbench) reads one state: entries, checkpoints and artefact
	// records committed together, not half of a commit made meanwhile.
	held sync.Mutex
}

// hold stops commits until release is called, once the index of the
// last one is written.
func (l *Log) hold() (release func()) {
	l.held.Lock()
	l.settle()
	return l.held.Unlock
}

type logState struct {
	size     uint64
	last     [32]byte // SHA-256 of the last entry's canonical bytes
	lastTime time.Time
	tree     compactRange
}

type appendReq struct {
	drafts  []entryParts
	ops     []Op
	lazy    bool // need not be durable when the call returns (see AppendLazy)
	entries []*Entry
	err     error
	done    chan struct{}
}

func openLog(b Backend, origin string, signer note.Signer) (*Log, error) {
	layout, err := readLayout(b)
	if err != nil {
		return nil, err
	}
	l := &Log{b: b, origin: origin, signer: signer, now: time.Now, layout: layout}
	if ef, ok := b.(EntryFiles); ok {
		l.files = ef
		l.lastPtr, err = b.Get(keyEntryFiles)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("open log: %w", err)
		}
	}
	key, msg, err := b.Last(prefixCheckpoint)
	if errors.Is(err, ErrNotFound) {
		for _, p := range [][]byte{prefixEntry, prefixEntryRun} {
			if err := b.Keys(p, nil, func([]byte) error { return errors.New("entries without checkpoint") }); err != nil {
				return nil, fmt.Errorf("open log: %w", err)
			}
		}
	} else if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	} else {
		size, ok := keyIndex(prefixCheckpoint, key)
		if !ok || size == 0 {
			return nil, errors.New("open log: malformed checkpoint key")
		}
		l.st, l.ckpt = logState{size: size}, msg
		// A store that cannot be appended to can still be listed and verified.
		l.damaged = l.loadTail(size)
	}
	if l.files != nil && l.damaged == nil && l.files.WritableEntryFiles() {
		if err := l.recoverEntryFiles(); err != nil {
			return nil, fmt.Errorf("open log: %w", err)
		}
	}
	l.tip = l.st
	return l, nil
}

// loadTail reads what appending needs: the last entry and the right edge of
// the Merkle tree.
func (l *Log) loadTail(size uint64) error {
	raw, err := readEntry(l.b, size-1)
	if err != nil {
		return fmt.Errorf("entry %d of checkpoint size %d: %w", size-1, size, err)
	}
	e, err := ParseEntry(raw)
	if err != nil {
		return fmt.Errorf("entry %d: %w", size-1, err)
	}
	st := logState{size: size, last: sha256.Sum256(raw), lastTime: e.Time, tree: compactRange{size: size}}
	hashes, err := hashReader{l.b}.ReadHashes(rangeIndexes(size))
	if err != nil {
		return err
	}
	st.tree.hashes = hashes
	l.st = st
	return nil
}

// Size returns the number of committed entries.
func (l *Log) Size() uint64 {
	l.settle()
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.st.size
}

// Checkpoint returns the latest signed checkpoint note, or nil for an empty log.
func (l *Log) Checkpoint() []byte {
	l.settle()
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.ckpt
}

// Origin is the checkpoint origin line and the signing key's name.
func (l *Log) Origin() string { return l.origin }

// Append commits drafts as consecutive entries and returns them. Drafts
// that fit one transaction (up to maxCommitEntries and about
// maxCommitBytes) are committed atomically; longer lists are split into
// several commits, each atomic and checkpointed.
func (l *Log) Append(ctx context.Context, drafts ...Draft) ([]*Entry, error) {
	return l.appendWith(ctx, nil, drafts)
}

// appendWith commits ops in the same atomic batch as the first commit of
// drafts (used to make an artefact record and its custody entry one write).
func (l *Log) appendWith(ctx context.Context, ops []Op, drafts []Draft) ([]*Entry, error) {
	return l.appendReqs(ctx, ops, drafts, false)
}

func (l *Log) appendReqs(ctx context.Context, ops []Op, drafts []Draft, lazy bool) ([]*Entry, error) {
	if l.signer == nil {
		return nil, ErrReadOnly
	}
	l.mu.RLock()
	damaged := l.damaged
	l.mu.RUnlock()
	if damaged != nil {
		return nil, fmt.Errorf("the case store is damaged (%v): nothing can be added; run casefile verify", damaged)
	}
	if len(drafts) == 0 {
		return nil, nil
	}
	prep, release, err := prepareDrafts(drafts, l.maxEntry)
	if err != nil {
		return nil, err
	}
	// Once committed, the entries have bytes of their own (entryChain):
	// the parts' buffers go back for the next append.
	defer release()
	// Split into commits that fit one backend transaction, by count and
	// by size; ops go with the first.
	var reqs []*appendReq
	for len(prep) > 0 {
		size := 0
		for _, o := range ops {
			size += len(o.Key) + len(o.Value)
		}
		n := 0
		for n < len(prep) && n < maxCommitEntries {
			sz := prep[n].payloadLen() + entryOverhead
			if n > 0 && size+sz > maxCommitBytes {
				break
			}
			size += sz
			n++
		}
		reqs = append(reqs, &appendReq{drafts: prep[:n], ops: ops, lazy: lazy, done: make(chan struct{})})
		prep, ops = prep[n:], nil
	}
	var out []*Entry
	for _, r := range reqs {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		l.submit(r)
		if r.err != nil {
			return out, r.err
		}
		out = append(out, r.entries...)
	}
	return out, nil
}

// submit queues r and, if no other goroutine is committing, commits queued
// requests until the queue is empty. It returns when r is done.
func (l *Log) submit(r *appendReq) {
	l.qmu.Lock()
	l.queue = append(l.queue, r)
	if l.lead {
		l.qmu.Unlock()
		<-r.done
		return
	}
	l.lead = true
	for len(l.queue) > 0 {
		batch, bytes := 0, 0
		for batch < len(l.queue) {
			q := l.queue[batch]
			sz := opsBytes(q)
			if batch > 0 && bytes+sz > maxCommitBytes {
				break
			}
			bytes += sz
			batch++
		}
		reqs := l.queue[:batch:batch]
		l.queue = l.queue[batch:]
		l.qmu.Unlock()
		l.commit(reqs)
		l.qmu.Lock()
	}
	l.lead = false
	l.qmu.Unlock()
	<-r.done
}

// entryOverhead estimates what an entry adds to a commit beyond its
// payload: the envelope, its key, and its tree hashes.
const entryOverhead = 400

func opsBytes(r *appendReq) int {
	n := 0
	for _, d := range r.drafts {
		n += d.payloadLen() + entryOverhead
	}
	for _, o := range r.ops {
		n += len(o.Key) + len(o.Value)
	}
	return n
}

// commit writes reqs in one durable batch with one checkpoint.
func (l *Log) commit(reqs []*appendReq) {
	l.held.Lock()
	defer l.held.Unlock()
	defer func() {
		for _, r := range reqs {
			close(r.done)
		}
	}()
	st := l.tip
	st.tree = st.tree.clone()

	// The entries are encoded into one slab, '\n' between them, and
	// written as a few runs of it (entryruns.go); the tree hashes go into
	// runs too (hashruns.go): a commit of many entries would otherwise
	// allocate and write several times per entry. Each entry adds about
	// two tree hashes.
	n, nops := 0, 3
	for _, r := range reqs {
		n += len(r.drafts)
		nops += len(r.ops)
	}
	parts := make([]*entryParts, 0, n)
	for _, r := range reqs {
		for i := range r.drafts {
			parts = append(parts, &r.drafts[i])
		}
	}
	// The entries of a commit share its instant, never earlier than the
	// last entry's.
	now := l.now()
	if now.Before(st.lastTime) {
		now = st.lastTime
	}
	at := newEntryTime(now)
	firstIndex := st.size
	chain := newEntryChain(parts, firstIndex, at, l.hashers, true)
	l.hashers = chain.hashers
	// The tree grows as the chain's leaf hashes are made (feedTree).
	var sums []byte
	lastHash := int64(-1)
	emit := func(s storedHash) {
		sums = append(sums, s.hash[:]...)
		lastHash = s.index
	}
	chain.tree = func(leaves []tlog.Hash) {
		if sums == nil {
			sums = make([]byte, 0, len(tlog.Hash{})*(2*n+64))
		}
		for _, h := range leaves {
			st.tree.append(h, emit)
		}
	}
	ops := make([]Op, 0, nops+n/maxRunEntries+len(chain.slab)/maxRunBytes+2+(2*n+64)/maxRunHashes)
	for _, r := range reqs {
		for i := range r.ops {
			if op := &r.ops[i]; op.StampIndex {
				binary.BigEndian.PutUint64(op.Value[len(op.Value)-8:], st.size)
			}
		}
		ops = append(ops, r.ops...)
		st.size += uint64(len(r.drafts))
	}
	st.last = chain.run(st.last)
	st.lastTime = at.t
	durable := false
	for _, r := range reqs {
		durable = durable || !r.lazy
	}
	// The entries go to the entry files (and the disk) while the tree
	// and the checkpoint are computed.
	fw := l.startFileWrite(firstIndex, chain.slab, chain.ends, len(ops) > 0, durable)
	if fw != nil {
		// The write's goroutine runs at once on this processor, and this
		// one goes on where another picks it up: otherwise the write, on
		// the path of every synced append, waited for another processor
		// to be woken and take it (20-30 µs of ~180 per synced append).
		runtime.Gosched()
		// The last commit's index, if not yet written, is written while
		// this one's records are made durable; its error is seen again
		// by write.
		l.settle()
	}
	ents, _ := chain.finish() // the leaves went to the tree
	for _, r := range reqs {
		r.entries = make([]*Entry, len(r.drafts))
		for i := range r.entries {
			r.entries[i], ents = &ents[0], ents[1:]
		}
	}
	err := l.write(ops, st, firstIndex, chain.slab, chain.ends, sums, lastHash, durable, fw)
	if err != nil {
		for _, r := range reqs {
			r.entries, r.err = nil, fmt.Errorf("commit entries: %w", err)
		}
	}
}

// prepareDrafts canonicalises the drafts' payloads and encodes what of
// each entry does not depend on its place in the log, in the caller's
// goroutines: a long list is split across the processors, since encoding
// payloads costs more than the commit's own work. release gives the
// parts' buffers back for reuse: the parts must not be used after it.
func prepareDrafts(drafts []Draft, limit int) (prep []entryParts, release func(), err error) {
	prep = make([]entryParts, len(drafts))
	errs := make([]error, len(drafts))
	var mu sync.Mutex
	var used []*partsEncoder
	inParallel(len(drafts), func() func(lo, hi int) {
		pe := getPartsEncoder(len(drafts), limit)
		mu.Lock()
		used = append(used, pe)
		mu.Unlock()
		return func(lo, hi int) {
			for i := lo; i < hi; i++ {
				d := drafts[i]
				var err error
				if prep[i], err = pe.prepare(d.Kind, d.Actor, d.Payload); err != nil {
					errs[i] = fmt.Errorf("draft %d (%s): %w", i, d.Kind, err)
				}
			}
		}
	})
	release = func() {
		for _, pe := range used {
			putPartsEncoder(pe)
		}
	}
	for _, err := range errs {
		if err != nil {
			release()
			return nil, nil, err
		}
	}
	return prep, release, nil
}

// parallelItems is how many drafts or entries are worth a goroutine of
// their own; parallelChunk how many a goroutine of inParallel takes at
// a time.
const parallelItems, parallelChunk = 128, 32

// inParallel works through [0, n) on one goroutine per processor when n
// is large enough to be worth it, the caller's among them, and returns
// when all of it is done. Each goroutine that finds work left calls
// newWorker once, then gives the function it returns the chunks it
// takes, parallelChunk at a time, until none is left. The chunks are
// taken in turn rather than dealt out in halves: waking a processor to
// run a new goroutine takes some 70 µs here (a fifth of preparing 1,000
// drafts), and with halves the caller then waited that long for the
// late goroutine at the end; taken in turn, the late one does less.
func inParallel(n int, newWorker func() func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n/parallelItems)
	if workers < 2 {
		newWorker()(0, n)
		return
	}
	var next atomic.Int64
	work := func() {
		var fn func(lo, hi int)
		for {
			lo := int(next.Add(parallelChunk)) - parallelChunk
			if lo >= n {
				return
			}
			if fn == nil {
				fn = newWorker()
			}
			fn(lo, min(lo+parallelChunk, n))
		}
	}
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
}
