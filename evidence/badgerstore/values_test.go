package badgerstore_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/badgerstore"
)

func openStore(t *testing.T, dir string, o badgerstore.Options) *badgerstore.Store {
	t.Helper()
	s, err := badgerstore.Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// bulkOps are n bulk values of 16 KiB under prefix, each different.
func bulkOps(prefix string, n int) []evidence.Op {
	ops := make([]evidence.Op, n)
	for i := range ops {
		k := fmt.Sprintf("%s%04d", prefix, i)
		ops[i] = evidence.Op{Key: []byte(k), Value: bytes.Repeat([]byte(k+" "), 16<<10/(len(k)+1)), Bulk: true}
	}
	return ops
}

func dirSize(t *testing.T, glob string) int64 {
	t.Helper()
	ms, _ := filepath.Glob(glob)
	var n int64
	for _, m := range ms {
		st, err := os.Stat(m)
		if err != nil {
			t.Fatal(err)
		}
		n += st.Size()
	}
	return n
}

// TestBulkValuesBypassTheValueLog: bulk values go to the value files, not
// to Badger's memory-mapped value log (which holds ordinary large values
// as before), and read back after the store is reopened read-only.
func TestBulkValuesBypassTheValueLog(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, badgerstore.Options{})
	ops := bulkOps("v/", 64) // 1 MiB
	if err := s.Write(ops, true); err != nil {
		t.Fatal(err)
	}
	plain := evidence.Op{Key: []byte("p/plain"), Value: bytes.Repeat([]byte("plain "), 1000)}
	if err := s.Write([]evidence.Op{plain}, true); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := dirSize(t, filepath.Join(dir, "values", "values-*.dat")); n < 1<<20 {
		t.Fatalf("value files hold %d bytes, want the 1 MiB written", n)
	}
	if n := dirSize(t, filepath.Join(dir, "db", "*.vlog")); n > 256<<10 {
		t.Fatalf("Badger's value log holds %d bytes after 1 MiB of bulk values", n)
	}
	r := openStore(t, dir, badgerstore.Options{ReadOnly: true, CheckFiles: true})
	for _, op := range append(ops, plain) {
		if v, err := r.Get(op.Key); err != nil || !bytes.Equal(v, op.Value) {
			t.Fatalf("%s: %d bytes, %v", op.Key, len(v), err)
		}
	}
	var problems []string
	if err := r.CheckValues(func(where, detail string) { problems = append(problems, where+": "+detail) }); err != nil || problems != nil {
		t.Fatalf("intact value files: %v %v", problems, err)
	}
}

// TestEachWriterStartsAValueFile: a process appends only to files it
// created, so that a record torn by a kill can only end a file.
func TestEachWriterStartsAValueFile(t *testing.T) {
	dir := t.TempDir()
	for i := range 2 {
		s, err := badgerstore.Open(dir, badgerstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Write(bulkOps(fmt.Sprintf("v/%d/", i), 4), i == 1); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s := openStore(t, dir, badgerstore.Options{})
	if err := s.Write([]evidence.Op{{Key: []byte("x"), Value: []byte("small"), Bulk: true}}, true); err != nil {
		t.Fatal(err)
	}
	ms, _ := filepath.Glob(filepath.Join(dir, "values", "*"))
	if len(ms) != 2 || filepath.Base(ms[1]) != "values-000002.dat" {
		t.Fatalf("value files %v, want one per writer of bulk values (a small one stays in Badger)", ms)
	}
	for i := range 2 {
		for _, op := range bulkOps(fmt.Sprintf("v/%d/", i), 4) {
			if v, err := s.Get(op.Key); err != nil || !bytes.Equal(v, op.Value) {
				t.Fatalf("%s: %v", op.Key, err)
			}
		}
	}
}

// damagedValues writes three bulk values to a new store, closes it, lets
// damage change the value file and reopens the store read-only.
func damagedValues(t *testing.T, damage func(path string, data []byte)) (*badgerstore.Store, []evidence.Op, []string) {
	t.Helper()
	dir := t.TempDir()
	s := openStore(t, dir, badgerstore.Options{})
	ops := bulkOps("v/", 3)
	if err := s.Write(ops, true); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "values", "values-000001.dat")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	damage(p, data)
	r := openStore(t, dir, badgerstore.Options{ReadOnly: true})
	var problems []string
	if err := r.CheckValues(func(where, detail string) { problems = append(problems, where+": "+detail) }); err != nil {
		t.Fatal(err)
	}
	return r, ops, problems
}

func wantDamage(t *testing.T, s *badgerstore.Store, key []byte, detail string) {
	t.Helper()
	_, err := s.Get(key)
	if !errors.Is(err, evidence.ErrStoreDamaged) || !strings.Contains(err.Error(), detail) {
		t.Fatalf("Get %s: %v, want damage saying %q", key, err, detail)
	}
	err = s.Scan(key, nil, func(_, _ []byte) error { return nil })
	if !errors.Is(err, evidence.ErrStoreDamaged) || !strings.Contains(err.Error(), detail) {
		t.Fatalf("Scan %s: %v, want damage saying %q", key, err, detail)
	}
}

// TestDamagedValueFiles: a changed, cut or missing value file makes the
// reads of the values concerned fail as damage naming the file and
// offset; the record walk of verification reports bad bytes that whole
// records follow, and stray files.
func TestDamagedValueFiles(t *testing.T) {
	rec := int64(18 + 6 + 16<<10/7*7) // header, key "v/0000", value
	t.Run("flipped", func(t *testing.T) {
		s, ops, problems := damagedValues(t, func(p string, data []byte) {
			data[rec+rec/2] ^= 1 // in the second record
			os.WriteFile(p, data, 0o600)
		})
		wantDamage(t, s, ops[1].Key, fmt.Sprintf("value file 1 offset %d: the record's bytes do not match its checksum", rec))
		if v, err := s.Get(ops[2].Key); err != nil || !bytes.Equal(v, ops[2].Value) {
			t.Fatalf("the record after the damaged one: %v", err)
		}
		if len(problems) != 1 || !strings.HasPrefix(problems[0], fmt.Sprintf("value file 1 offset %d: %d bytes do not read as a value record", rec, rec)) {
			t.Fatalf("record walk: %q", problems)
		}
	})
	t.Run("last record", func(t *testing.T) {
		// Damage at the end of a file is not taken for a write cut short:
		// a changed value or length fails a checksum.
		for _, at := range []int64{2*rec + 8, 2*rec + 100} { // the value length, the value
			s, ops, problems := damagedValues(t, func(p string, data []byte) {
				data[at] ^= 1
				os.WriteFile(p, data, 0o600)
			})
			if _, err := s.Get(ops[2].Key); !errors.Is(err, evidence.ErrStoreDamaged) {
				t.Fatalf("byte %d: Get: %v", at, err)
			}
			if len(problems) != 1 || !strings.HasPrefix(problems[0], fmt.Sprintf("value file 1 offset %d: the last %d bytes do not read as a value record", 2*rec, rec)) {
				t.Fatalf("byte %d: record walk: %q", at, problems)
			}
		}
	})
	t.Run("zeros", func(t *testing.T) {
		// What a power cut can leave at the end of a file.
		_, _, problems := damagedValues(t, func(p string, data []byte) {
			os.WriteFile(p, append(data, make([]byte, 5000)...), 0o600)
		})
		if problems != nil {
			t.Fatalf("zeros at the end: %q", problems)
		}
	})
	t.Run("header", func(t *testing.T) {
		s, ops, problems := damagedValues(t, func(p string, data []byte) {
			data[0] = 'X'
			os.WriteFile(p, data, 0o600)
		})
		wantDamage(t, s, ops[0].Key, "value file 1 offset 0: no value record there (its header is changed or missing)")
		if len(problems) != 1 || !strings.HasPrefix(problems[0], "value file 1 offset 0:") {
			t.Fatalf("record walk: %q", problems)
		}
	})
	t.Run("cut", func(t *testing.T) {
		s, ops, problems := damagedValues(t, func(p string, data []byte) {
			os.Truncate(p, 2*rec+100)
		})
		wantDamage(t, s, ops[2].Key, fmt.Sprintf("value file 1 offset %d: the file ends inside the value's record", 2*rec))
		if problems != nil {
			t.Fatalf("a torn last record (a kill or power cut) reported by the walk: %q", problems)
		}
	})
	t.Run("missing", func(t *testing.T) {
		s, ops, problems := damagedValues(t, func(p string, data []byte) {
			os.Remove(p)
			os.WriteFile(filepath.Join(filepath.Dir(p), "stray.dat"), data, 0o600)
		})
		wantDamage(t, s, ops[0].Key, "value file values-000001.dat named by the index is missing")
		if len(problems) != 1 || problems[0] != "values/stray.dat: unexpected file in the value file directory" {
			t.Fatalf("record walk: %q", problems)
		}
	})
	t.Run("swapped", func(t *testing.T) {
		s, ops, _ := damagedValues(t, func(p string, data []byte) {
			copy(data[rec:2*rec], data[:rec]) // the second record replaced by the first
			os.WriteFile(p, data, 0o600)
		})
		wantDamage(t, s, ops[1].Key, "is not the one the index names (another key, or another length)")
	})
}

// TestPowerCutBeforeValuesSynced: a non-durable write's pointer can reach
// the disk without its record (Badger writes when it likes). Its read
// is then damage naming the place, while the record walk takes the file's
// end for a write cut short, and the store takes new writes.
func TestPowerCutBeforeValuesSynced(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, badgerstore.Options{})
	durable, lazy := bulkOps("d/", 2), bulkOps("l/", 2)
	if err := s.Write(durable, true); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(lazy, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "values", "values-000001.dat")
	st, _ := os.Stat(p)
	os.Truncate(p, st.Size()-int64(len(lazy[1].Value))-10) // the last record lost but its first bytes
	s = openStore(t, dir, badgerstore.Options{})
	for _, op := range append(durable, lazy[0]) {
		if v, err := s.Get(op.Key); err != nil || !bytes.Equal(v, op.Value) {
			t.Fatalf("%s: %v", op.Key, err)
		}
	}
	if _, err := s.Get(lazy[1].Key); !errors.Is(err, evidence.ErrStoreDamaged) || !strings.Contains(err.Error(), "value file 1 offset") {
		t.Fatalf("value lost to a power cut: %v", err)
	}
	if err := s.Write(lazy[1:], true); err != nil { // written again, as a new parse of the artefact would
		t.Fatal(err)
	}
	if v, err := s.Get(lazy[1].Key); err != nil || !bytes.Equal(v, lazy[1].Value) {
		t.Fatalf("rewritten value: %v", err)
	}
	var problems []string
	if err := s.CheckValues(func(where, detail string) { problems = append(problems, where+": "+detail) }); err != nil || problems != nil {
		t.Fatalf("record walk after a power cut: %q %v", problems, err)
	}
}
