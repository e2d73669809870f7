package storeedit_test

import (
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/badgerstore"
	"github.com/casefile/casefile/evidence/badgerstore/storeedit"
)

// TestEditsReachTheStore edits a closed store and reads the edits back
// through badgerstore, which still opens the edited files with every
// check on: the edits look like the tool's own writes, so that only the
// evidence layer can tell them apart.
func TestEditsReachTheStore(t *testing.T) {
	dir := t.TempDir()
	s, err := badgerstore.Open(dir, badgerstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	chunk := []byte("chunk bytes as ingested")
	sum := sha256.Sum256(chunk)
	if err := s.Chunks().Put(sum, chunk); err != nil {
		t.Fatal(err)
	}
	if err := s.Chunks().Sync(); err != nil {
		t.Fatal(err)
	}
	ops := []evidence.Op{{Key: []byte("x/1"), Value: []byte("one")}, {Key: []byte("x/2"), Value: []byte("two")}, {Key: []byte("y/1"), Value: []byte("why")}}
	if err := s.Write(ops, true); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	if k, v, err := storeedit.First(dir, []byte("x/")); err != nil || string(k) != "x/1" || string(v) != "one" {
		t.Fatalf("First = %q %q %v", k, v, err)
	}
	if _, _, err := storeedit.First(dir, []byte("z/")); err == nil {
		t.Fatal("First found something under an empty prefix")
	}
	if err := storeedit.Set(dir, []byte("x/2"), []byte("TWO")); err != nil {
		t.Fatal(err)
	}
	if err := storeedit.Delete(dir, []byte("y/1")); err != nil {
		t.Fatal(err)
	}
	if err := storeedit.Delete(dir, []byte("y/1")); err == nil {
		t.Fatal("deleting a key not stored succeeded")
	}
	if err := storeedit.OverwriteChunk(dir, sum, []byte("CHUNK bytes as ingested, and more")); err != nil {
		t.Fatal(err)
	}
	if err := storeedit.OverwriteChunk(dir, sha256.Sum256([]byte("none")), chunk); !errors.Is(err, evidence.ErrNotFound) {
		t.Fatalf("overwriting a chunk not stored: %v", err)
	}
	var keys []string
	if err := storeedit.Scan(dir, []byte("x/"), func(k, v []byte) error { keys = append(keys, string(k)+"="+string(v)); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0] != "x/1=one" || keys[1] != "x/2=TWO" {
		t.Fatalf("Scan after the edit: %q", keys)
	}

	s, err = badgerstore.Open(dir, badgerstore.Options{ReadOnly: true, CheckFiles: true})
	if err != nil {
		t.Fatalf("the edited store does not open with its files checked: %v", err)
	}
	defer s.Close()
	if v, err := s.Get([]byte("x/2")); err != nil || string(v) != "TWO" {
		t.Fatalf("x/2 = %q %v", v, err)
	}
	if ok, err := s.Has([]byte("y/1")); ok || err != nil {
		t.Fatalf("y/1 still stored: %v", err)
	}
	if got, err := s.Chunks().Get(sum); err != nil || string(got) != "CHUNK bytes as ingested" {
		t.Fatalf("chunk = %q %v", got, err)
	}
	var problems []string
	if err := s.Chunks().(evidence.LayoutChecker).CheckLayout(func(where, detail string) { problems = append(problems, where+": "+detail) }); err != nil || problems != nil {
		t.Fatalf("layout of the edited packs: %v %q", err, problems)
	}
}
