package evidence_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/casefile/casefile/evidence"
)

// A tampering test changes tree hashes where they are stored: in runs
// under hr/<index of the run's last hash>, or under h/<index> in cases
// written before runs. These helpers edit either.

type storedRun struct {
	last uint64
	data []byte
}

func (r storedRun) first() uint64 { return r.last + 1 - uint64(len(r.data)/32) }

func hashRuns(t *testing.T, b tamperable) []storedRun {
	t.Helper()
	var runs []storedRun
	err := b.Scan([]byte("hr/"), nil, func(k, v []byte) error {
		runs = append(runs, storedRun{binary.BigEndian.Uint64(k[3:]), bytes.Clone(v)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

// setStoredHash overwrites the stored tree hash idx with h.
func setStoredHash(t *testing.T, b tamperable, idx uint64, h []byte) {
	t.Helper()
	for _, r := range hashRuns(t, b) {
		if r.first() <= idx && idx <= r.last {
			copy(r.data[(idx-r.first())*32:], h)
			b.Corrupt(key("hr/", r.last), r.data)
			return
		}
	}
	b.Corrupt(key("h/", idx), h)
}

// storedHash reads the stored tree hash idx.
func storedHash(t *testing.T, b tamperable, idx uint64) []byte {
	t.Helper()
	for _, r := range hashRuns(t, b) {
		if r.first() <= idx && idx <= r.last {
			return r.data[(idx-r.first())*32 : (idx-r.first()+1)*32]
		}
	}
	h, err := b.Get(key("h/", idx))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// dropStoredHashesFrom deletes the stored tree hashes from index idx on,
// shortening the run that holds idx.
func dropStoredHashesFrom(t *testing.T, b tamperable, idx uint64) {
	t.Helper()
	for _, r := range hashRuns(t, b) {
		if r.last < idx {
			continue
		}
		b.Delete(key("hr/", r.last))
		if f := r.first(); f < idx {
			b.Corrupt(key("hr/", idx-1), r.data[:(idx-f)*32])
		}
	}
	_ = b.Keys([]byte("h/"), key("h/", idx), func(k []byte) error {
		b.Delete(bytes.Clone(k))
		return nil
	})
}

// setAllStoredHashes replaces every stored tree hash with hashes, as one run.
func setAllStoredHashes(t *testing.T, b tamperable, hashes []tlog.Hash) {
	t.Helper()
	dropStoredHashesFrom(t, b, 0)
	var data []byte
	for _, h := range hashes {
		data = append(data, h[:]...)
	}
	b.Corrupt(key("hr/", uint64(len(hashes)-1)), data)
}

// toSingleHashes rewrites the case's tree hashes as a case written before
// hash runs stored them: one h/ key per hash.
func toSingleHashes(t *testing.T, b tamperable) {
	t.Helper()
	for _, r := range hashRuns(t, b) {
		b.Delete(key("hr/", r.last))
		for i := r.first(); i <= r.last; i++ {
			b.Corrupt(key("h/", i), r.data[(i-r.first())*32:(i-r.first()+1)*32])
		}
	}
}

// TestSingleHashCaseOpensVerifiesAndAppends: a case written before hash
// runs (one h/ key per tree hash) verifies, is appended to (in runs), and
// then verifies and proves across both layouts.
func TestSingleHashCaseOpensVerifiesAndAppends(t *testing.T) {
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
		for i := range 6 {
			if _, err := c.Append(ctx, evidence.Draft{Kind: "note.added", Actor: "T", Payload: map[string]int{"n": i}}); err != nil {
				t.Fatal(err)
			}
		}
		oldSize := c.Log().Size()
		_, oldCk, err := c.CheckpointAt(oldSize)
		if err != nil {
			t.Fatal(err)
		}
		toSingleHashes(t, b)
		if len(hashRuns(t, b)) != 0 {
			t.Fatal("runs left after conversion")
		}
		c = open()
		if r := mustVerify(t, c); !r.OK {
			t.Fatalf("case with single hashes does not verify: %+v", r.Problems)
		}
		var drafts []evidence.Draft
		for i := range 9 {
			drafts = append(drafts, evidence.Draft{Kind: "note.added", Actor: "T", Payload: map[string]int{"m": i}})
		}
		if _, err := c.Append(ctx, drafts...); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Append(ctx, drafts[0]); err != nil {
			t.Fatal(err)
		}
		if n := len(hashRuns(t, b)); n != 2 {
			t.Fatalf("two commits after conversion wrote %d hash runs", n)
		}
		c = open()
		if r := mustVerify(t, c); !r.OK {
			t.Fatalf("case with single hashes and runs does not verify: %+v", r.Problems)
		}
		size := c.Log().Size()
		_, ck, err := c.CheckpointAt(size)
		if err != nil {
			t.Fatal(err)
		}
		checkProofsAcrossLayouts(t, c, oldSize, oldCk, ck)
		// A single hash flipped is found as before.
		h := bytes.Clone(storedHash(t, b, 3))
		h[0] ^= 0x80
		setStoredHash(t, b, 3, h)
		if r := mustVerify(t, open()); r.OK {
			t.Fatal("flipped single tree hash not found")
		}
	})
}

// TestTamperHashRunMalformed: a run whose length is not a whole number of
// hashes, or that repeats hashes another run holds, is found.
func TestTamperHashRunMalformed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b, _ := fixture(t, bk)
		runs := hashRuns(t, b)
		r0 := runs[len(runs)-1]
		b.Corrupt(key("hr/", r0.last), r0.data[:len(r0.data)-1])
		if r := mustVerify(t, reopen(t, c, b)); r.OK {
			t.Fatal("truncated hash run not found")
		}
		b.Corrupt(key("hr/", r0.last), append(bytes.Clone(runs[len(runs)-2].data), r0.data...))
		if r := mustVerify(t, reopen(t, c, b)); r.OK {
			t.Fatal("hash run overlapping the one before not found")
		}
	})
}

// TestHashRunsOfALongCommit: the hashes of a long commit are cut into runs
// small enough to stay beside their keys in Badger (under 1 KiB), which
// together give every stored-hash index once, in order.
func TestHashRunsOfALongCommit(t *testing.T) {
	c, b := newCase(t, backends[0])
	drafts := make([]evidence.Draft, 1000)
	for i := range drafts {
		drafts[i] = evidence.Draft{Kind: "note.added", Actor: "T", Payload: map[string]int{"n": i}}
	}
	if _, err := c.Append(context.Background(), drafts...); err != nil {
		t.Fatal(err)
	}
	next := uint64(0)
	runs := hashRuns(t, b)
	for _, r := range runs {
		if len(r.data) == 0 || len(r.data) >= 1024 || len(r.data)%32 != 0 {
			t.Fatalf("run ending at %d holds %d bytes", r.last, len(r.data))
		}
		if r.first() != next {
			t.Fatalf("run ending at %d starts at %d, want %d", r.last, r.first(), next)
		}
		next = r.last + 1
	}
	if want := uint64(tlog.StoredHashCount(int64(c.Log().Size()))); next != want || len(runs) < int(want)/31 {
		t.Fatalf("%d runs end at %d, want %d hashes", len(runs), next, want)
	}
	if r := mustVerify(t, reopen(t, c, b)); !r.OK {
		t.Fatalf("%+v", r.Problems)
	}
}
