package evidence_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/casefile/casefile/evidence"
)

var badgerKind = backendKind{"badger", openBadger}

// entryFile is the path of a test case's only entry file.
func entryFile(b tamperable) string {
	return filepath.Join(b.(*badgerBackend).dir, "entries", "entries-000001.log")
}

// editEntryFile rewrites the entry file with the store closed, as an
// attacker with disk access (or a crash) would.
func editEntryFile(t *testing.T, b tamperable, fn func(data []byte) []byte) {
	t.Helper()
	b.(*badgerBackend).edit(func(dir string) error {
		p := entryFile(b)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(p, fn(data), 0o600)
	})
}

// verifyReadOnly verifies the case in b as `casefile verify` does, with
// the store opened read-only, and opens it writable again.
func verifyReadOnly(t *testing.T, c *evidence.Case, b tamperable) *evidence.Report {
	t.Helper()
	bb := b.(*badgerBackend)
	bb.readOnly()
	defer bb.edit(func(string) error { return nil })
	return mustVerify(t, reopen(t, c, b))
}

func readEntryFile(t *testing.T, b tamperable) []byte {
	t.Helper()
	data, err := os.ReadFile(entryFile(b))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// wantProblem fails unless r reports a problem of kind at where whose
// detail holds detail.
func wantProblem(t *testing.T, r *evidence.Report, kind, where, detail string) {
	t.Helper()
	if r.OK {
		t.Fatalf("damage not detected: %+v", r)
	}
	for _, p := range r.Problems {
		if p.Kind == kind && p.Where == where && strings.Contains(p.Detail, detail) {
			return
		}
	}
	t.Fatalf("no problem %q at %q with %q in %+v", kind, where, detail, r.Problems)
}

// record encodes an entry record as badgerstore writes it (doc.go).
func record(first uint64, count, flags int, body []byte) []byte {
	hdr := fmt.Appendf(nil, "#casefile-entries first=%020d count=%06d flags=%d bytes=%010d crc32c=", first, count, flags, len(body))
	tab := crc32.MakeTable(crc32.Castagnoli)
	c := crc32.Update(crc32.Checksum(hdr, tab), tab, body)
	return append(append(fmt.Appendf(hdr, "%08x\n", c), body...), '\n')
}

// TestEntryFilesHoldDurableCommits: a durable commit's entries are in the
// entry file as JSON lines between record headers, and its er/ keys hold
// pointers, not entries.
func TestEntryFilesHoldDurableCommits(t *testing.T) {
	_, b := runFixture(t, badgerKind)
	data := readEntryFile(t, b)
	if got := bytes.Count(data, []byte("#casefile-entries ")); got != 4 {
		t.Fatalf("%d records for 4 commits:\n%s", got, data)
	}
	if !bytes.Contains(data, []byte("\n{")) || !bytes.Contains(data, []byte(`"n":20`)) {
		t.Fatalf("entries not readable in the file:\n%s", data)
	}
	err := b.Scan([]byte("er/"), nil, func(k, v []byte) error {
		if v[0] == '{' {
			return fmt.Errorf("run %x kept inline", k)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTamperEntryFiles(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(b tamperable, data []byte) []byte
		check  func(t *testing.T, r *evidence.Report)
	}{
		{"byte flipped in an entry", func(_ tamperable, d []byte) []byte {
			return bytes.Replace(d, []byte(`"n":25}`), []byte(`"n":52}`), 1)
		}, func(t *testing.T, r *evidence.Report) {
			wantProblem(t, r, evidence.ProblemEntry, "entry 25", "stored tree hash")
			wantProblem(t, r, evidence.ProblemStore, "entry 21", "do not match its checksum")
		}},
		{"cut inside the last indexed record", func(_ tamperable, d []byte) []byte { return d[:len(d)-10] },
			func(t *testing.T, r *evidence.Report) {
				wantProblem(t, r, evidence.ProblemStore, "entry 31", "the file ends inside the record")
			}},
		{"file deleted", nil, func(t *testing.T, r *evidence.Report) {
			wantProblem(t, r, evidence.ProblemStore, "entry file 1", "named by 4 entry run(s) of the index but missing")
			wantProblem(t, r, evidence.ProblemStore, "entry 0", "missing")
		}},
		{"record replaced by another valid one", func(_ tamperable, d []byte) []byte {
			at := bytes.LastIndex(d, []byte("#casefile-entries "))
			forged := bytes.Replace(d[at:], []byte(`"n":31}`), []byte(`"n":13}`), 1)
			body := forged[bytes.IndexByte(forged, '\n')+1 : len(forged)-1]
			return append(d[:at:at], record(31, 1, 2, body)...)
		}, func(t *testing.T, r *evidence.Report) {
			wantProblem(t, r, evidence.ProblemEntry, "entry 31", "stored tree hash")
		}},
		{"records swapped", func(_ tamperable, d []byte) []byte {
			at := bytes.LastIndex(d, []byte("#casefile-entries "))
			last := d[at:]
			first := d[:bytes.Index(d[1:], []byte("#casefile-entries "))+1]
			mid := d[len(first):at]
			return append(append(append([]byte(nil), last...), mid...), first...)
		}, func(t *testing.T, r *evidence.Report) {
			wantProblem(t, r, evidence.ProblemStore, "entry file 1 offset 0", "not the one the index names")
		}},
		{"stray file", func(b tamperable, d []byte) []byte {
			os.WriteFile(filepath.Join(filepath.Dir(entryFile(b)), "entries-1.log"), d, 0o600)
			return d
		}, func(t *testing.T, r *evidence.Report) {
			wantProblem(t, r, evidence.ProblemStore, "entries/entries-1.log", "unexpected file")
		}},
		{"garbage appended", func(_ tamperable, d []byte) []byte { return append(d, "{\"index\":32}\n"...) },
			func(t *testing.T, r *evidence.Report) {
				wantProblem(t, r, evidence.ProblemStore, "entry files", "13 more bytes forming no record")
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, b := runFixture(t, badgerKind)
			if tc.tamper == nil {
				b.(*badgerBackend).edit(func(string) error { return os.Remove(entryFile(b)) })
			} else {
				editEntryFile(t, b, func(d []byte) []byte { return tc.tamper(b, d) })
			}
			before, _ := os.ReadFile(entryFile(b))
			tc.check(t, verifyReadOnly(t, c, b))
			if after, _ := os.ReadFile(entryFile(b)); !bytes.Equal(before, after) {
				t.Fatal("verification changed the entry file")
			}
		})
	}
}

func notes(n int) []evidence.Draft {
	var d []evidence.Draft
	for i := range n {
		d = append(d, evidence.Draft{Kind: "note.added", Actor: "T", Payload: map[string]int{"lost": i}})
	}
	return d
}

func openWritable(t *testing.T, c *evidence.Case, b tamperable) (*evidence.Case, error) {
	t.Helper()
	return openOn(b, evidence.Config{Signer: evidence.SignerOf(c), Verifier: c.Verifier()})
}

// TestPowerCutAfterEntryFileSync: the entry files hold a commit made
// durable whose batch a power cut lost. A read-only verification says so;
// a writable open indexes it, and the case verifies with it.
func TestPowerCutAfterEntryFileSync(t *testing.T) {
	c, b := runFixture(t, badgerKind)
	ctx := context.Background()
	size := c.Log().Size()
	evidence.LoseBatches(c)
	if _, err := c.Append(ctx, notes(300)...); err == nil {
		t.Fatal("the lost batch was acknowledged")
	}
	r := verifyReadOnly(t, c, b)
	wantProblem(t, r, evidence.ProblemStore, "entry files", fmt.Sprintf("entries %d to %d were made durable but are not yet indexed", size, size+299))
	c2, err := openWritable(t, c, b)
	if err != nil {
		t.Fatal(err)
	}
	if got := c2.Log().Size(); got != size+300 {
		t.Fatalf("size after recovery %d, want %d", got, size+300)
	}
	if r := mustVerify(t, c2); !r.OK || r.Entries != size+300 {
		t.Fatalf("after recovery: %+v", r)
	}
	if e, err := c2.Entry(size + 299); err != nil || !strings.Contains(string(e.Raw), `"lost":299`) {
		t.Fatalf("last recovered entry: %v", err)
	}
	if _, err := c2.Append(ctx, notes(2)...); err != nil {
		t.Fatal(err)
	}
	if r := verifyReadOnly(t, c, b); !r.OK {
		t.Fatalf("after an append to the recovered case: %+v", r.Problems)
	}
}

// TestPowerCutLosesSeveralCommits: each commit the entry files kept gets
// its checkpoint back, the very note it signed.
func TestPowerCutLosesSeveralCommits(t *testing.T) {
	c, b := runFixture(t, badgerKind)
	ctx := context.Background()
	size := c.Log().Size()
	var notes2 [][]byte
	for i := range 3 {
		if _, err := c.Append(ctx, notes(1+i)...); err != nil {
			t.Fatal(err)
		}
		notes2 = append(notes2, c.Log().Checkpoint())
	}
	// The batches of the three commits are lost: their keys go, as after
	// a power cut before the database reached the disk.
	var ptr []byte
	err := b.Scan([]byte("er/"), nil, func(k, v []byte) error {
		if binary.BigEndian.Uint64(k[3:]) == size-1 {
			ptr = bytes.Clone(v)
		}
		return nil
	})
	if err != nil || ptr == nil {
		t.Fatalf("the last run before the lost commits: %v", err)
	}
	for _, end := range []uint64{size + 1, size + 3, size + 6} {
		b.Delete(key("er/", end-1))
		b.Delete(key("k/", end))
	}
	dropStoredHashesFrom(t, b, uint64(tlog.StoredHashCount(int64(size))))
	b.Corrupt([]byte("entryfiles"), ptr)
	c2, err := openWritable(t, c, b)
	if err != nil {
		t.Fatal(err)
	}
	for i, at := range []uint64{size + 1, size + 3, size + 6} {
		if got, err := b.Get(key("k/", at)); err != nil || !bytes.Equal(got, notes2[i]) {
			t.Fatalf("checkpoint %d after recovery: %v\n%s\nwant\n%s", at, err, got, notes2[i])
		}
	}
	if r := mustVerify(t, c2); !r.OK || r.Entries != size+6 {
		t.Fatalf("after recovery: %+v", r)
	}
}

// TestUnacknowledgedRecordsCut: records that were never acknowledged (a
// commit with ops whose batch is missing, a torn write) are removed by a
// writable open, and nothing of them is left.
func TestUnacknowledgedRecordsCut(t *testing.T) {
	for _, name := range []string{"ops commit", "torn tail"} {
		t.Run(name, func(t *testing.T) {
			c, b := runFixture(t, badgerKind)
			ctx := context.Background()
			size := c.Log().Size()
			before := readEntryFile(t, b)
			if name == "ops commit" {
				evidence.LoseBatches(c)
				if _, err := c.AppendAtomic(ctx, []evidence.Op{{Key: []byte("x/derived"), Value: []byte("v")}}, notes(3)...); err == nil {
					t.Fatal("the lost batch was acknowledged")
				}
			} else {
				editEntryFile(t, b, func(d []byte) []byte {
					return append(d, record(size, 1, 2, []byte(`{"index":`))[:60]...)
				})
			}
			if len(readEntryFile(t, b)) == len(before) {
				t.Fatal("nothing written past the indexed records")
			}
			wantProblem(t, verifyReadOnly(t, c, b), evidence.ProblemStore, "entry files", "a command that writes to the case removes them")
			c2, err := openWritable(t, c, b)
			if err != nil {
				t.Fatal(err)
			}
			if got := c2.Log().Size(); got != size {
				t.Fatalf("size %d, want %d", got, size)
			}
			if !bytes.Equal(readEntryFile(t, b), before) {
				t.Fatal("the unacknowledged records were not cut off")
			}
			if _, err := b.Get([]byte("x/derived")); !errors.Is(err, evidence.ErrNotFound) {
				t.Fatalf("the lost commit's op: %v", err)
			}
			if r := mustVerify(t, c2); !r.OK {
				t.Fatalf("after the cut: %+v", r.Problems)
			}
		})
	}
}

// TestEntryFileRecordNotContinuingIsDamage: complete records past the
// index that do not continue the log are not cut: the writable open fails
// and changes nothing.
func TestEntryFileRecordNotContinuingIsDamage(t *testing.T) {
	c, b := runFixture(t, badgerKind)
	ctx := context.Background()
	evidence.LoseBatches(c)
	for range 2 { // the second commit repeats the first's indexes
		if _, err := c.Append(ctx, notes(2)...); err == nil {
			t.Fatal("the lost batch was acknowledged")
		}
	}
	before := readEntryFile(t, b)
	_, err := openWritable(t, c, b)
	if !errors.Is(err, evidence.ErrStoreDamaged) || !strings.Contains(err.Error(), "does not continue it") {
		t.Fatalf("open: %v", err)
	}
	if !bytes.Equal(readEntryFile(t, b), before) {
		t.Fatal("the open changed the entry file")
	}
	wantProblem(t, verifyReadOnly(t, c, b), evidence.ProblemStore, "entry files", "does not continue it")
}

// TestLazyCommitsStayInline: lazy commits keep their entries in the
// store's own batch (the database may flush it before any sync, so it
// must not name records a power cut could lose), and the next durable
// commit after them must come with its batch.
func TestLazyCommitsStayInline(t *testing.T) {
	c, b := newCase(t, badgerKind)
	ctx := context.Background()
	before := readEntryFile(t, b)
	if _, err := c.AppendLazy(ctx, nil, notes(3)...); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readEntryFile(t, b), before) {
		t.Fatal("a lazy commit wrote to the entry file")
	}
	evidence.LoseBatches(c)
	if _, err := c.Append(ctx, notes(1)...); err == nil {
		t.Fatal("the lost batch was acknowledged")
	}
	data := readEntryFile(t, b)
	if !bytes.Contains(data[len(before):], []byte(" flags=3 ")) {
		t.Fatalf("a durable commit after a lazy one is not marked as needing its batch:\n%s", data[len(before):])
	}
}

// TestEntryFileDamageRefusedAtOpen: a missing entry file the index names
// is left missing (the case opens to be verified, not appended to); an
// unindexed record damaged in the middle of others (no torn write looks
// like that) makes a writable open fail, leaving the file as it is.
func TestEntryFileDamageRefusedAtOpen(t *testing.T) {
	t.Run("file missing", func(t *testing.T) {
		c, b := runFixture(t, badgerKind)
		b.(*badgerBackend).edit(func(string) error { return os.Remove(entryFile(b)) })
		c2, err := openWritable(t, c, b) // opens to be verified, not appended to
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c2.Append(context.Background(), notes(1)...); err == nil || !strings.Contains(err.Error(), "entries-000001.log named by the index is missing") {
			t.Fatalf("append: %v", err)
		}
		if _, err := os.Stat(entryFile(b)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("the open created the missing file: %v", err)
		}
	})
	t.Run("damaged record before a whole one", func(t *testing.T) {
		c, b := runFixture(t, badgerKind)
		evidence.LoseBatches(c)
		if _, err := c.Append(context.Background(), notes(3)...); err == nil {
			t.Fatal("the lost batch was acknowledged")
		}
		size := c.Log().Size()
		editEntryFile(t, b, func(d []byte) []byte {
			d = bytes.Replace(d, []byte(`"lost":1}`), []byte(`"lost":7}`), 1)
			return append(d, record(size+3, 1, 2, []byte(`{}`))...)
		})
		before := readEntryFile(t, b)
		if _, err := openWritable(t, c, b); !errors.Is(err, evidence.ErrStoreDamaged) || !strings.Contains(err.Error(), "not a torn write") {
			t.Fatalf("open: %v", err)
		}
		if !bytes.Equal(readEntryFile(t, b), before) {
			t.Fatal("the open changed the entry file")
		}
	})
}

// TestRecoverWithoutKey: a writable open without the signing key (the
// database's recovery after a kill) cuts records never acknowledged but
// keeps acknowledged ones, which only an open that can sign indexes.
func TestRecoverWithoutKey(t *testing.T) {
	ctx := context.Background()
	t.Run("ops commit cut", func(t *testing.T) {
		c, b := runFixture(t, badgerKind)
		before := readEntryFile(t, b)
		evidence.LoseBatches(c)
		if _, err := c.AppendAtomic(ctx, []evidence.Op{{Key: []byte("x/derived"), Value: []byte("v")}}, notes(2)...); err == nil {
			t.Fatal("the lost batch was acknowledged")
		}
		reopen(t, c, b)
		if !bytes.Equal(readEntryFile(t, b), before) {
			t.Fatal("the record never acknowledged was not cut")
		}
	})
	t.Run("entries kept", func(t *testing.T) {
		c, b := runFixture(t, badgerKind)
		size := c.Log().Size()
		evidence.LoseBatches(c)
		if _, err := c.Append(ctx, notes(2)...); err == nil {
			t.Fatal("the lost batch was acknowledged")
		}
		lost := readEntryFile(t, b)
		if c2 := reopen(t, c, b); c2.Log().Size() != size || !bytes.Equal(readEntryFile(t, b), lost) {
			t.Fatal("an open without the key changed the acknowledged records")
		}
		c3, err := openWritable(t, c, b)
		if err != nil || c3.Log().Size() != size+2 {
			t.Fatalf("open with the key: %v", err)
		}
	})
}

// TestLayout3CaseAppendsToEntryFiles: a case of layout 3 (every run inline
// in its er/ key) opens and verifies; its next durable commits go to the
// entry files, and the log verifies, walks and proves across both.
func TestLayout3CaseAppendsToEntryFiles(t *testing.T) {
	b := openBadger(t)
	s, v := testKeys(t)
	ctx := context.Background()
	inline := struct{ tamperable }{b} // a backend without entry files writes layout 3's runs
	c, err := evidence.Open(inline, evidence.Config{Signer: s, Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, "T", evidence.CaseInfo{Title: "layout 3"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Append(ctx, notes(40)...); err != nil {
		t.Fatal(err)
	}
	b.Corrupt([]byte("layout"), []byte("3"))
	oldSize := c.Log().Size()
	_, oldCk, err := c.CheckpointAt(oldSize)
	if err != nil {
		t.Fatal(err)
	}
	c, err = openOn(b, evidence.Config{Signer: s, Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	if r := mustVerify(t, c); !r.OK {
		t.Fatalf("layout 3 case: %+v", r.Problems)
	}
	if _, err := c.Append(ctx, notes(30)...); err != nil {
		t.Fatal(err)
	}
	if got := layoutOf(t, b); got != "5" {
		t.Fatalf("layout after the first append: %q", got)
	}
	var inlineRuns, pointers int
	err = b.Scan([]byte("er/"), nil, func(_, v []byte) error {
		if v[0] == '{' {
			inlineRuns++
		} else {
			pointers++
		}
		return nil
	})
	if err != nil || inlineRuns == 0 || pointers == 0 {
		t.Fatalf("%d inline runs, %d in the entry files: %v", inlineRuns, pointers, err)
	}
	if r := verifyReadOnly(t, c, b); !r.OK || r.Entries != oldSize+30 {
		t.Fatalf("after appending to the entry files: %+v", r)
	}
	c, err = openOn(b, evidence.Config{Signer: s, Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	ck := checkWalk(t, c)
	checkProofsAcrossLayouts(t, c, oldSize, oldCk, ck)
}

// failingWrites is a badger backend whose batches fail while fail is set.
type failingWrites struct {
	*badgerBackend
	fail atomic.Bool
}

func (f *failingWrites) Write(ops []evidence.Op, durable bool) error {
	if f.fail.Load() {
		return errors.New("the database refused the batch")
	}
	return f.badgerBackend.Write(ops, durable)
}

// newFailingCase creates a case on a backend whose batches can be made
// to fail.
func newFailingCase(t *testing.T) (*evidence.Case, *failingWrites, note.Signer) {
	t.Helper()
	b := &failingWrites{badgerBackend: openBadger(t).(*badgerBackend)}
	s, v := testKeys(t)
	c, err := evidence.Open(b, evidence.Config{Signer: s, Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	watch(c, b.badgerBackend)
	if _, err := c.Create(context.Background(), "T", evidence.CaseInfo{Title: "t"}); err != nil {
		t.Fatal(err)
	}
	evidence.Settle(c) // its index is written before any batch fails
	return c, b, s
}

// TestFailedBatchCutsItsRecords: a commit acknowledged only with its
// batch (it carries ops) whose batch fails takes its records back out of
// the entry file, so that no open indexes entries whose commit returned
// an error.
func TestFailedBatchCutsItsRecords(t *testing.T) {
	c, b, s := newFailingCase(t)
	ctx := context.Background()
	before := readEntryFile(t, b.badgerBackend)
	b.fail.Store(true)
	if _, err := c.AppendAtomic(ctx, []evidence.Op{{Key: []byte("x/derived"), Value: []byte("v")}}, notes(5)...); err == nil {
		t.Fatal("a failed batch was acknowledged")
	}
	if !bytes.Equal(readEntryFile(t, b.badgerBackend), before) {
		t.Fatal("the failed commit's records are still in the entry file")
	}
	b.fail.Store(false)
	if _, err := c.Append(ctx, notes(2)...); err != nil {
		t.Fatal(err)
	}
	if c2, err := openOn(b, evidence.Config{Signer: s, Verifier: c.Verifier()}); err != nil || c2.Log().Size() != 3 {
		t.Fatalf("reopen: %v", err)
	}
	if r := verifyReadOnly(t, c, b.badgerBackend); !r.OK || r.Entries != 3 {
		t.Fatalf("after a failed commit: %+v", r)
	}
}

// TestIndexFailingAfterAnswerRecovers: an entries-only commit is
// answered once its records are on disk, and its batch written after.
// When that batch fails (or the process dies before it), the entries
// stay acknowledged: the log takes no more appends, its readers see the
// log as it was, and the next writable open indexes the records, giving
// the very entries the append returned.
func TestIndexFailingAfterAnswerRecovers(t *testing.T) {
	c, b, s := newFailingCase(t)
	ctx := context.Background()
	b.fail.Store(true)
	got, err := c.Append(ctx, notes(300)...)
	if err != nil {
		t.Fatalf("entries on disk were not acknowledged: %v", err)
	}
	if n := c.Log().Size(); n != 1 {
		t.Fatalf("readers see %d entries, whose index was never written", n)
	}
	if _, err := c.Append(ctx, notes(1)...); err == nil || !strings.Contains(err.Error(), "indexed when the case is next opened for writing") {
		t.Fatalf("append after a lost index: %v", err)
	}
	b.fail.Store(false)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	b.reopen()
	c2, err := openOn(b, evidence.Config{Signer: s, Verifier: c.Verifier()})
	if err != nil {
		t.Fatal(err)
	}
	if n := c2.Log().Size(); n != 301 {
		t.Fatalf("size after recovery %d, want 301", n)
	}
	for _, e := range got {
		stored, err := c2.Entry(e.Index)
		if err != nil || !bytes.Equal(stored.Raw, e.Raw) {
			t.Fatalf("entry %d after recovery: %v", e.Index, err)
		}
	}
	if r := mustVerify(t, c2); !r.OK || r.Entries != 301 {
		t.Fatalf("after recovery: %+v", r)
	}
	if _, err := c2.Append(ctx, notes(2)...); err != nil {
		t.Fatal(err)
	}
}

// TestTamperEntryFilesKey: the key recovery starts from must name the
// last indexed record.
func TestTamperEntryFilesKey(t *testing.T) {
	c, b := runFixture(t, badgerKind)
	var first []byte
	err := b.Scan([]byte("er/"), nil, func(_, v []byte) error {
		if first == nil {
			first = bytes.Clone(v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Corrupt([]byte("entryfiles"), first)
	wantProblem(t, verifyReadOnly(t, c, b), evidence.ProblemStore, "entry files", "the key entryfiles does not name the last record")
	if _, err := openWritable(t, c, b); !errors.Is(err, evidence.ErrStoreDamaged) {
		t.Fatalf("writable open: %v", err)
	}
}
