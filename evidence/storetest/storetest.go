// Package storetest is the test suite every evidence.Backend must pass. It
// checks the contract written on evidence.Backend: atomic batches, ordered
// scans, Last, values not retained, errors free of stored values, and
// bulk values (evidence.Op.Bulk) reading back like any other.
package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/casefile/casefile/evidence"
)

// Run runs the suite; open returns a new, empty backend for each subtest.
func Run(t *testing.T, open func(t *testing.T) evidence.Backend) {
	t.Run("GetMissing", func(t *testing.T) {
		b := open(t)
		if _, err := b.Get([]byte("x/none")); !errors.Is(err, evidence.ErrNotFound) {
			t.Fatalf("Get missing: %v, want ErrNotFound", err)
		}
		if ok, err := b.Has([]byte("x/none")); ok || err != nil {
			t.Fatalf("Has missing = %v, %v", ok, err)
		}
		if _, _, err := b.Last([]byte("x/")); !errors.Is(err, evidence.ErrNotFound) {
			t.Fatalf("Last on empty prefix: %v", err)
		}
	})
	t.Run("WriteGet", func(t *testing.T) {
		b := open(t)
		val := []byte("value")
		if err := b.Write([]evidence.Op{{Key: []byte("x/a"), Value: val}}, true); err != nil {
			t.Fatal(err)
		}
		val[0] = 'X' // the backend must not keep the caller's slice
		got, err := b.Get([]byte("x/a"))
		if err != nil || string(got) != "value" {
			t.Fatalf("Get = %q, %v", got, err)
		}
		got[0] = 'Y' // nor hand out its own
		if again, _ := b.Get([]byte("x/a")); string(again) != "value" {
			t.Fatalf("value changed through returned slice: %q", again)
		}
	})
	t.Run("ScanOrderPrefixStart", func(t *testing.T) {
		b := open(t)
		var ops []evidence.Op
		for _, k := range []string{"y/3", "x/2", "x/10", "x/1", "w/9", "x/3"} {
			ops = append(ops, evidence.Op{Key: []byte(k), Value: []byte("v" + k)})
		}
		if err := b.Write(ops, false); err != nil {
			t.Fatal(err)
		}
		var seen []string
		err := b.Scan([]byte("x/"), nil, func(k, v []byte) error {
			if string(v) != "v"+string(k) {
				return fmt.Errorf("value of %s is %s", k, v)
			}
			seen = append(seen, string(k))
			return nil
		})
		if err != nil || fmt.Sprint(seen) != "[x/1 x/10 x/2 x/3]" {
			t.Fatalf("Scan = %v, %v", seen, err)
		}
		seen = nil
		b.Keys([]byte("x/"), []byte("x/2"), func(k []byte) error { seen = append(seen, string(k)); return nil })
		if fmt.Sprint(seen) != "[x/2 x/3]" {
			t.Fatalf("Keys from x/2 = %v", seen)
		}
		k, v, err := b.Last([]byte("x/"))
		if err != nil || string(k) != "x/3" || string(v) != "vx/3" {
			t.Fatalf("Last = %s %s %v", k, v, err)
		}
		stop := errors.New("stop")
		n := 0
		if err := b.Scan([]byte("x/"), nil, func(k, v []byte) error { n++; return stop }); err != stop || n != 1 {
			t.Fatalf("Scan error not passed through: %v after %d", err, n)
		}
	})
	t.Run("Overwrite", func(t *testing.T) {
		b := open(t)
		b.Write([]evidence.Op{{Key: []byte("x/k"), Value: []byte("1")}}, false)
		b.Write([]evidence.Op{{Key: []byte("x/k"), Value: []byte("2")}}, true)
		n := 0
		b.Keys([]byte("x/"), nil, func([]byte) error { n++; return nil })
		if got, _ := b.Get([]byte("x/k")); string(got) != "2" || n != 1 {
			t.Fatalf("after overwrite: %q, %d keys", got, n)
		}
	})
	t.Run("SyncOnly", func(t *testing.T) {
		if err := open(t).Write(nil, true); err != nil {
			t.Fatalf("durable empty write (sync barrier): %v", err)
		}
	})
	t.Run("LargeValue", func(t *testing.T) {
		b := open(t)
		big := bytes.Repeat([]byte{0xab}, 1<<20)
		want := bytes.Clone(big)
		if err := b.Write([]evidence.Op{{Key: []byte("c/big"), Value: big}}, false); err != nil {
			t.Fatal(err)
		}
		big[0], big[len(big)-1] = 0, 0 // the caller reuses its buffer once Write returns
		if got, err := b.Get([]byte("c/big")); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("1 MiB value did not round-trip: %v", err)
		}
	})
	t.Run("BulkValues", func(t *testing.T) { bulkValues(t, open(t)) })
	t.Run("Concurrent", func(t *testing.T) {
		b := open(t)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 50 {
					k := fmt.Appendf(nil, "x/%d/%03d", g, i)
					val, bulk := k, i%3 == 0 // every third a bulk value of 2 KiB
					if bulk {
						val = bytes.Repeat(k, 2048/len(k)+1)
					}
					if err := b.Write([]evidence.Op{{Key: k, Value: val, Bulk: bulk}}, i%10 == 0); err != nil {
						t.Error(err)
						return
					}
					if v, err := b.Get(k); err != nil || !bytes.Equal(v, val) {
						t.Errorf("read own write %s: %v", k, err)
						return
					}
				}
			})
		}
		wg.Wait()
		n := 0
		b.Keys([]byte("x/"), nil, func([]byte) error { n++; return nil })
		if n != 400 {
			t.Fatalf("%d keys after concurrent writes, want 400", n)
		}
	})
	t.Run("ScanCallsBack", func(t *testing.T) {
		b := open(t)
		b.Write([]evidence.Op{{Key: []byte("x/1"), Value: []byte("a")}, {Key: []byte("x/2"), Value: []byte("b")}}, false)
		err := b.Scan([]byte("x/"), nil, func(k, v []byte) error {
			_, err := b.Get(k) // reading inside a scan must work
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// bulkValues writes values marked Bulk, of sizes on both sides of the
// 1 KiB a backend may keep outside its index from, beside ordinary ones,
// durably and not, overwrites bulk values with ordinary ones and the other
// way round, and reads them all back with Get, Scan and Last after the
// caller has cleared its buffers.
func bulkValues(t *testing.T, b evidence.Backend) {
	want := map[string][]byte{}
	write := func(durable bool, ops ...evidence.Op) {
		t.Helper()
		if err := b.Write(ops, durable); err != nil {
			t.Fatal(err)
		}
		for _, op := range ops {
			want[string(op.Key)] = bytes.Clone(op.Value)
			clear(op.Value) // the caller reuses its buffer
		}
	}
	val := func(key string, n int) []byte {
		v := make([]byte, n)
		for i := range v {
			v[i] = key[i%len(key)] ^ byte(i/len(key))
		}
		return v
	}
	sizes := []int{0, 100, 1023, 1024, 1025, 64 << 10, 700 << 10}
	var ops []evidence.Op
	for i, n := range sizes {
		k := fmt.Sprintf("v/%02d", i)
		ops = append(ops, evidence.Op{Key: []byte(k), Value: val(k, n), Bulk: true})
	}
	write(false, ops[:4]...)
	write(true, ops[4:]...)
	write(false, evidence.Op{Key: []byte("v/10"), Value: val("v/10", 4096)}, evidence.Op{Key: []byte("v/11"), Value: val("v/11", 4096), Bulk: true})
	write(true) // a barrier after a non-durable bulk write
	// Overwrites both ways: the key reads as its last write.
	write(false, evidence.Op{Key: []byte("v/05"), Value: val("v/05x", 2000)}, evidence.Op{Key: []byte("v/10"), Value: val("v/10x", 3000), Bulk: true})

	for k, w := range want {
		if got, err := b.Get([]byte(k)); err != nil || !bytes.Equal(got, w) {
			t.Fatalf("Get %s: %d bytes, %v; want %d bytes", k, len(got), err, len(w))
		}
	}
	var seen []string
	err := b.Scan([]byte("v/"), nil, func(k, v []byte) error {
		if !bytes.Equal(v, want[string(k)]) {
			return fmt.Errorf("scan: %s has %d bytes, want %d", k, len(v), len(want[string(k)]))
		}
		seen = append(seen, string(k))
		return nil
	})
	if err != nil || len(seen) != len(want) {
		t.Fatalf("Scan saw %v: %v", seen, err)
	}
	seen = seen[:0]
	b.Scan([]byte("v/"), []byte("v/05"), func(k, _ []byte) error { seen = append(seen, string(k)); return nil })
	if fmt.Sprint(seen) != "[v/05 v/06 v/10 v/11]" {
		t.Fatalf("Scan from v/05: %v", seen)
	}
	if k, v, err := b.Last([]byte("v/0")); err != nil || string(k) != "v/06" || !bytes.Equal(v, want["v/06"]) {
		t.Fatalf("Last = %s, %d bytes, %v", k, len(v), err)
	}
	if ok, err := b.Has([]byte("v/06")); !ok || err != nil {
		t.Fatalf("Has of a bulk value = %v, %v", ok, err)
	}
}
