package badgerstore

import (
	"bytes"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/casefile/casefile/evidence"
)

// TestInlineValuesStayReadable: a store written when values up to 64 KiB
// were kept inline in Snappy-compressed tables opens with the current
// options (its tables checked block by block), and its values read back
// beside new ones (kept in the value log).
func TestInlineValuesStayReadable(t *testing.T) {
	dir := t.TempDir()
	old := bytes.Repeat([]byte("inline value "), 2000) // 26 KB: inline under the old threshold
	db, err := badger.Open(badgerOptions(dir+"/db", false).WithValueThreshold(64 << 10).WithCompression(options.Snappy))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(txn *badger.Txn) error { return txn.Set([]byte("old"), old) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if ssts, _ := filepath.Glob(filepath.Join(dir, "db", "*.sst")); len(ssts) == 0 {
		t.Fatal("the old store has no table")
	}
	s, err := Open(dir, Options{CheckFiles: true})
	if err != nil {
		t.Fatal(err)
	}
	fresh := bytes.Repeat([]byte("value log "), 2000)
	if err := s.Write([]evidence.Op{{Key: []byte("new"), Value: fresh}}, true); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, Options{ReadOnly: true, CheckFiles: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for k, want := range map[string][]byte{"old": old, "new": fresh} {
		if v, err := s.Get([]byte(k)); err != nil || !bytes.Equal(v, want) {
			t.Fatalf("%s: %d bytes, %v; want %d bytes", k, len(v), err, len(want))
		}
	}
}

// TestBulkWriteMemoryBounded writes 192 MiB of 16 KiB values (the size of
// event blocks and postings parts) in batches, as an ingest does, and
// bounds the Go heap meanwhile: with values kept inline the memtables,
// the tables built from them and compactions held several hundred MB.
func TestBulkWriteMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 192 MiB")
	}
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var (
		peak uint64
		mu   sync.Mutex
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			mu.Lock()
			peak = max(peak, m.HeapInuse)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	val := make([]byte, 16<<10)
	for b := 0; b < 96; b++ { // 96 batches of 128 values
		ops := make([]evidence.Op, 0, 128)
		for i := 0; i < 128; i++ {
			copy(val, fmt.Sprintf("%06d-%06d", b, i))
			ops = append(ops, evidence.Op{Key: []byte(fmt.Sprintf("k/%06d/%06d", b, i)), Value: bytes.Clone(val)})
		}
		if err := s.Write(ops, b%8 == 7); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	const limit = 100 << 20
	if grown := peak - min(peak, base.HeapInuse); grown > limit {
		t.Fatalf("the heap grew by %d MiB while writing 192 MiB, limit %d MiB", grown>>20, limit>>20)
	} else {
		t.Logf("the heap grew by at most %d MiB while writing 192 MiB", grown>>20)
	}
}
