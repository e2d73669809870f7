package evidence_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/badgerstore"
	"github.com/casefile/casefile/evidence/badgerstore/storeedit"
)

// badgerBackend is a badgerstore.Store that tests can damage while a case
// is open on it. badgerstore has no write path that skips its rules, so
// each damage closes the store, edits its directory as an attacker with
// disk access would (storeedit), and opens it again: the case, and any
// case opened later on the same backend, read the edited files.
type badgerBackend struct {
	t   *testing.T
	dir string
	cur atomic.Pointer[badgerstore.Store]
	// cases are those opened on the backend (watch): a commit's index
	// is written after its Append returns, so what the test reads or
	// edits directly waits for it, as the case's own readers do.
	mu    sync.Mutex
	cases []*evidence.Case
}

// watch makes the backend's direct reads and edits wait for the index of
// c's last commit.
func watch(c *evidence.Case, b evidence.Backend) *evidence.Case {
	if bb, ok := b.(*badgerBackend); ok && c != nil {
		bb.mu.Lock()
		bb.cases = append(bb.cases, c)
		bb.mu.Unlock()
	}
	return c
}

// openOn opens a case on b as evidence.Open does, watched when b is a
// badgerBackend.
func openOn(b evidence.Backend, cfg evidence.Config) (*evidence.Case, error) {
	c, err := evidence.Open(b, cfg)
	return watch(c, b), err
}

// settle waits for the index of every watched case's last commit.
func (b *badgerBackend) settle() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.cases {
		evidence.Settle(c)
	}
}

func openBadger(t *testing.T) tamperable {
	b := &badgerBackend{t: t, dir: t.TempDir()}
	b.reopen()
	return b
}

func (b *badgerBackend) store() *badgerstore.Store { return b.cur.Load() }

func (b *badgerBackend) reopen() {
	b.t.Helper()
	s, err := badgerstore.Open(b.dir, badgerstore.Options{})
	if err != nil {
		b.t.Fatalf("reopen the edited store: %v", err)
	}
	b.cur.Store(s)
}

// readOnly opens the store read-only until the next edit or reopen, as
// verification opens a case: nothing is recovered or cut.
func (b *badgerBackend) readOnly() {
	b.t.Helper()
	b.settle()
	if err := b.store().Close(); err != nil {
		b.t.Fatalf("close the store: %v", err)
	}
	s, err := badgerstore.Open(b.dir, badgerstore.Options{ReadOnly: true})
	if err != nil {
		b.t.Fatalf("open the store read-only: %v", err)
	}
	b.cur.Store(s)
}

// edit closes the store, applies fn to its directory and opens it again.
func (b *badgerBackend) edit(fn func(dir string) error) {
	b.t.Helper()
	b.settle()
	if err := b.store().Close(); err != nil {
		b.t.Fatalf("close the store to edit it: %v", err)
	}
	if err := fn(b.dir); err != nil {
		b.t.Fatal(err)
	}
	b.reopen()
}

func (b *badgerBackend) Corrupt(key, value []byte) {
	b.t.Helper()
	b.edit(func(dir string) error { return storeedit.Set(dir, key, value) })
}

func (b *badgerBackend) Delete(key []byte) {
	b.t.Helper()
	b.edit(func(dir string) error { return storeedit.Delete(dir, key) })
}

func (b *badgerBackend) CorruptChunk(sum [32]byte, data []byte) error {
	var err error
	b.edit(func(dir string) error {
		err = storeedit.OverwriteChunk(dir, sum, data)
		return nil
	})
	return err
}

// The reads wait for the watched cases' index writes (settle), which
// call only Write.
func (b *badgerBackend) Get(key []byte) ([]byte, error) { b.settle(); return b.store().Get(key) }
func (b *badgerBackend) Has(key []byte) (bool, error)   { b.settle(); return b.store().Has(key) }
func (b *badgerBackend) Last(prefix []byte) ([]byte, []byte, error) {
	b.settle()
	return b.store().Last(prefix)
}
func (b *badgerBackend) Scan(prefix, start []byte, fn func(key, value []byte) error) error {
	b.settle()
	return b.store().Scan(prefix, start, fn)
}
func (b *badgerBackend) Keys(prefix, start []byte, fn func(key []byte) error) error {
	b.settle()
	return b.store().Keys(prefix, start, fn)
}
func (b *badgerBackend) Write(ops []evidence.Op, durable bool) error {
	return b.store().Write(ops, durable)
}
func (b *badgerBackend) Close() error { b.settle(); return b.store().Close() }

// CheckValues passes on the store's check of its value files
// (evidence.ValueChecker).
func (b *badgerBackend) CheckValues(problem func(where, detail string)) error {
	return b.store().CheckValues(problem)
}

// Chunks implements evidence.ChunkProvider with the pack files of whichever
// store is open at the time of each call.
func (b *badgerBackend) Chunks() evidence.Chunks { return badgerChunks{b} }

type badgerChunks struct{ b *badgerBackend }

func (c badgerChunks) packs() evidence.Chunks                 { return c.b.store().Chunks() }
func (c badgerChunks) Put(sum [32]byte, data []byte) error    { return c.packs().Put(sum, data) }
func (c badgerChunks) Get(sum [32]byte) ([]byte, error)       { return c.packs().Get(sum) }
func (c badgerChunks) Has(sum [32]byte) (bool, error)         { return c.packs().Has(sum) }
func (c badgerChunks) Sync() error                            { return c.packs().Sync() }
func (c badgerChunks) Each(fn func(sum [32]byte) error) error { return c.packs().Each(fn) }

// CheckLayout and Discard pass on what the packs offer, so that a case on
// this backend verifies and ingests as one on the bare store does.
func (c badgerChunks) CheckLayout(problem func(where, detail string)) error {
	return c.packs().(evidence.LayoutChecker).CheckLayout(problem)
}
func (c badgerChunks) Discard(sums [][32]byte) error {
	return c.packs().(evidence.Discarder).Discard(sums)
}

// The entry files are those of whichever store is open at the time of
// each call, as the chunks are.
func (b *badgerBackend) AppendEntryRuns(runs []evidence.EntryRun) error {
	return b.store().AppendEntryRuns(runs)
}
func (b *badgerBackend) ReadEntryRun(ptr []byte) ([]byte, error) {
	return b.store().ReadEntryRun(ptr)
}
func (b *badgerBackend) EntryRunsAfter(after []byte) ([]evidence.EntryRun, int64, error) {
	return b.store().EntryRunsAfter(after)
}
func (b *badgerBackend) TruncateEntryRuns(keep []byte) error {
	return b.store().TruncateEntryRuns(keep)
}
func (b *badgerBackend) WritableEntryFiles() bool { return b.store().WritableEntryFiles() }
func (b *badgerBackend) CheckEntryFiles(indexed [][]byte, problem func(where, detail string)) error {
	return b.store().CheckEntryFiles(indexed, problem)
}
