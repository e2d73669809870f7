// Package storetest is the test suite every evidence.Backend must pass. It
// checks the contract written on evidence.Backend: atomic batches, ordered
// scans, Last, values not retained, errors free of stored values.
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
	t.Run("Concurrent", func(t *testing.T) {
		b := open(t)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 50 {
					k := fmt.Appendf(nil, "x/%d/%03d", g, i)
					if err := b.Write([]evidence.Op{{Key: k, Value: k}}, i%10 == 0); err != nil {
						t.Error(err)
						return
					}
					if v, err := b.Get(k); err != nil || !bytes.Equal(v, k) {
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
