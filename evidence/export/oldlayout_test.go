package export

import (
	"bytes"
	"context"
	"encoding/binary"
	"path/filepath"
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/memstore"
)

// TestBuildOldLayoutCase: a case written before entry runs (one e/ key
// per entry, no layout key) exports, and the package verifies; the
// export.created entry it appends goes into a run after them, and the
// case verifies across both layouts.
func TestBuildOldLayoutCase(t *testing.T) {
	tc := newTestCase(t)
	b := tc.c.Derived().(*memstore.Store)
	var runs [][2][]byte
	if err := b.Scan([]byte("er/"), nil, func(k, v []byte) error {
		runs = append(runs, [2][]byte{bytes.Clone(k), bytes.Clone(v)})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		parts := bytes.Split(r[1], []byte{'\n'})
		first := binary.BigEndian.Uint64(r[0][3:]) + 1 - uint64(len(parts))
		for i, p := range parts {
			b.Corrupt(binary.BigEndian.AppendUint64([]byte("e/"), first+uint64(i)), p)
		}
		b.Delete(r[0])
	}
	b.Delete([]byte("layout"))
	out := filepath.Join(t.TempDir(), "pkg")
	build(t, tc, tc.options(out))
	if r := mustVerify(t, out); !r.OK {
		t.Fatalf("package of an old-layout case: %+v", r.Problems)
	}
	n := 0
	_ = b.Keys([]byte("er/"), nil, func([]byte) error { n++; return nil })
	if len(runs) == 0 || n != 1 {
		t.Fatalf("%d runs converted, %d written by the export", len(runs), n)
	}
	r, err := tc.c.Verify(context.Background(), evidence.VerifyOptions{})
	if err != nil || !r.OK {
		t.Fatalf("case after export: %v %+v", err, r.Problems)
	}
}
