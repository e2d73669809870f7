package evidence_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
)

// A tampering test changes entries where they are stored: in runs under
// er/<index of the run's last entry>, '\n' between entries, or under
// e/<index> in cases written before runs. These helpers edit either.

type storedEntryRun struct {
	last  uint64
	parts [][]byte
}

func (r storedEntryRun) first() uint64 { return r.last + 1 - uint64(len(r.parts)) }

func (r storedEntryRun) value() []byte { return bytes.Join(r.parts, []byte{'\n'}) }

func entryRuns(t *testing.T, b tamperable) []storedEntryRun {
	t.Helper()
	var runs []storedEntryRun
	err := b.Scan([]byte("er/"), nil, func(k, v []byte) error {
		if ef, ok := b.(evidence.EntryFiles); ok && len(v) > 0 && v[0] != '{' {
			body, err := ef.ReadEntryRun(v)
			if err != nil {
				return err
			}
			v = body
		}
		runs = append(runs, storedEntryRun{binary.BigEndian.Uint64(k[3:]), bytes.Split(bytes.Clone(v), []byte{'\n'})})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

// runOf returns the run holding entry i, if any does.
func runOf(t *testing.T, b tamperable, i uint64) (storedEntryRun, bool) {
	t.Helper()
	for _, r := range entryRuns(t, b) {
		if r.first() <= i && i <= r.last {
			return r, true
		}
	}
	return storedEntryRun{}, false
}

// getStoredEntry reads entry i's stored bytes.
func getStoredEntry(t *testing.T, b tamperable, i uint64) []byte {
	t.Helper()
	if r, ok := runOf(t, b, i); ok {
		return r.parts[i-r.first()]
	}
	raw, err := b.Get(key("e/", i))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// setStoredEntry overwrites entry i's stored bytes with raw.
func setStoredEntry(t *testing.T, b tamperable, i uint64, raw []byte) {
	t.Helper()
	if r, ok := runOf(t, b, i); ok {
		r.parts[i-r.first()] = raw
		b.Corrupt(key("er/", r.last), r.value())
		return
	}
	b.Corrupt(key("e/", i), raw)
}

// removeStoredEntry deletes entry i: its key, or its part of a run, which
// keeps its key (and so is shorter than its key says).
func removeStoredEntry(t *testing.T, b tamperable, i uint64) {
	t.Helper()
	r, ok := runOf(t, b, i)
	if !ok {
		b.Delete(key("e/", i))
		return
	}
	if len(r.parts) == 1 {
		b.Delete(key("er/", r.last))
		return
	}
	at := i - r.first()
	r.parts = append(r.parts[:at:at], r.parts[at+1:]...)
	b.Corrupt(key("er/", r.last), r.value())
}

// toSingleEntries rewrites the case as a case written before entry runs
// and the layout version stored it: one e/ key per entry, no layout key.
func toSingleEntries(t *testing.T, b tamperable) {
	t.Helper()
	for _, r := range entryRuns(t, b) {
		b.Delete(key("er/", r.last))
		for i, p := range r.parts {
			b.Corrupt(key("e/", r.first()+uint64(i)), p)
		}
	}
	b.Delete([]byte("layout"))
	if ef, ok := b.(evidence.EntryFiles); ok { // layouts before 4 had none
		b.Delete([]byte("entryfiles"))
		if err := ef.TruncateEntryRuns(nil); err != nil {
			t.Fatal(err)
		}
	}
}

func layoutOf(t *testing.T, b tamperable) string {
	t.Helper()
	v, err := b.Get([]byte("layout"))
	if err != nil {
		t.Fatalf("layout key: %v", err)
	}
	return string(v)
}

// TestOldLayoutCaseOpensVerifiesAndAppends: a case written before entry
// runs, hash runs and the layout version (e/ and h/ keys only) verifies,
// walks, is appended to (in runs, and gets its layout version), and then
// verifies, walks and proves across both layouts.
func TestOldLayoutCaseOpensVerifiesAndAppends(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		b := bk.open(t)
		s, v := testKeys(t)
		ctx := context.Background()
		open := func() *evidence.Case {
			c, err := openOn(b, evidence.Config{Signer: s, Verifier: v})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		c := open()
		if _, err := c.Create(ctx, "T", evidence.CaseInfo{Title: "old"}); err != nil {
			t.Fatal(err)
		}
		if got := layoutOf(t, b); got != "5" {
			t.Fatalf("a new case's layout is %q, want 4", got)
		}
		var drafts []evidence.Draft
		for i := range 9 {
			drafts = append(drafts, evidence.Draft{Kind: "note.added", Actor: "T", Payload: map[string]int{"n": i}})
		}
		if _, err := c.Append(ctx, drafts...); err != nil {
			t.Fatal(err)
		}
		oldSize := c.Log().Size()
		_, oldCk, err := c.CheckpointAt(oldSize)
		if err != nil {
			t.Fatal(err)
		}
		toSingleEntries(t, b)
		toSingleHashes(t, b)
		c = open()
		if r := mustVerify(t, c); !r.OK {
			t.Fatalf("case with single entries does not verify: %+v", r.Problems)
		}
		if e, err := c.Entry(4); err != nil || e.Index != 4 {
			t.Fatalf("entry 4 of the old layout: %v %v", e, err)
		}
		if _, err := c.Append(ctx, drafts...); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Append(ctx, drafts[0]); err != nil {
			t.Fatal(err)
		}
		if n := len(entryRuns(t, b)); n != 2 {
			t.Fatalf("two commits after conversion wrote %d entry runs", n)
		}
		if got := layoutOf(t, b); got != "5" {
			t.Fatalf("layout after the first append to an old case: %q, want 4", got)
		}
		c = open()
		if r := mustVerify(t, c); !r.OK {
			t.Fatalf("case with single entries and runs does not verify: %+v", r.Problems)
		}
		ck := checkWalk(t, c)
		// A walk starting inside either layout starts at its entry.
		for _, from := range []uint64{3, oldSize, oldSize + 4} {
			for e, err := range c.Walk(from, from+2) {
				if err != nil || e.Index != from {
					t.Fatalf("walk from %d: entry %v, %v", from, e, err)
				}
				break
			}
		}
		checkProofsAcrossLayouts(t, c, oldSize, oldCk, ck)
		// A changed old single entry is found as before.
		raw := bytes.Clone(getStoredEntry(t, b, 3))
		setStoredEntry(t, b, 3, bytes.Replace(raw, []byte(`"n":2`), []byte(`"n":7`), 1))
		wantFirst(t, mustVerify(t, open()), evidence.ProblemEntry, "entry 3", "stored tree hash")
	})
}

// TestNewerLayoutRefused: a case whose layout version is newer than this
// Casefile reads is refused with a message saying so, not reported as
// damaged; a layout key that holds no version is damage.
func TestNewerLayoutRefused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b := newCase(t, bk)
		b.Corrupt([]byte("layout"), []byte("6"))
		_, err := openOn(b, evidence.Config{Verifier: c.Verifier()})
		if !errors.Is(err, evidence.ErrNewerLayout) || errors.Is(err, evidence.ErrStoreDamaged) ||
			!strings.Contains(fmtErr(err), "this case was written by a newer Casefile (store layout 6); this version reads up to 5") {
			t.Fatalf("newer layout: %v", err)
		}
		for _, bad := range []string{"x", "03", "0", ""} {
			b.Corrupt([]byte("layout"), []byte(bad))
			if _, err := openOn(b, evidence.Config{Verifier: c.Verifier()}); !errors.Is(err, evidence.ErrStoreDamaged) {
				t.Fatalf("layout %q: %v", bad, err)
			}
		}
		b.Corrupt([]byte("layout"), []byte("3"))
		if r := mustVerify(t, reopen(t, c, b)); !r.OK {
			t.Fatalf("layout 3: %+v", r.Problems)
		}
	})
}

func fmtErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestEntryRunsOfALongCommit: a long commit's entries are cut into runs of
// at most 256 entries and 64 KiB (an entry longer than that alone), which
// together hold every entry once, in order.
func TestEntryRunsOfALongCommit(t *testing.T) {
	c, b := newCase(t, backends[0])
	drafts := make([]evidence.Draft, 1000)
	for i := range drafts {
		drafts[i] = evidence.Draft{Kind: "note.added", Actor: "T", Payload: map[string]any{"n": i, "pad": strings.Repeat("x", i%7*40)}}
	}
	drafts[500].Payload = map[string]string{"big": strings.Repeat("y", 100<<10)}
	if _, err := c.Append(context.Background(), drafts...); err != nil {
		t.Fatal(err)
	}
	next := uint64(0)
	for _, r := range entryRuns(t, b) {
		if len(r.parts) > 256 || (len(r.parts) > 1 && len(r.value()) > 64<<10) {
			t.Fatalf("run ending at %d holds %d entries, %d bytes", r.last, len(r.parts), len(r.value()))
		}
		if r.first() != next {
			t.Fatalf("run ending at %d starts at %d, want %d", r.last, r.first(), next)
		}
		for j, p := range r.parts {
			e, err := evidence.ParseEntry(p)
			if err != nil || e.Index != next+uint64(j) {
				t.Fatalf("entry %d of the run ending at %d: %v %v", j, r.last, e, err)
			}
		}
		next = r.last + 1
	}
	if next != c.Log().Size() {
		t.Fatalf("runs end at %d, log size %d", next, c.Log().Size())
	}
	if r := mustVerify(t, c); !r.OK {
		t.Fatalf("%+v", r.Problems)
	}
}

// dropUnindexedEntryRecords cuts from the entry files, when b has them,
// every record after the last one an er/ key points to, as an attacker
// removing entries from the index would to hide them.
func dropUnindexedEntryRecords(t *testing.T, b tamperable) {
	t.Helper()
	ef, ok := b.(evidence.EntryFiles)
	if !ok {
		return
	}
	var last []byte
	err := b.Scan([]byte("er/"), nil, func(_, v []byte) error {
		if len(v) > 0 && v[0] != '{' {
			last = bytes.Clone(v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := ef.TruncateEntryRuns(last); err != nil {
		t.Fatal(err)
	}
	if last == nil {
		b.Delete([]byte("entryfiles"))
	} else {
		b.Corrupt([]byte("entryfiles"), last)
	}
}
