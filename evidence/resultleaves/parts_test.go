package resultleaves_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/resultleaves"
)

// TestWriterSmallIsOp: leaves that fit one part are kept as before, the
// record Op makes, under the same root.
func TestWriterSmallIsOp(t *testing.T) {
	c, _ := newCase(t)
	for n := 0; n <= 9; n++ {
		var ls [][]byte
		w := resultleaves.NewWriter(c)
		for i := range n {
			l := fmt.Appendf(nil, `{"indicator":"10.0.0.%d"}`, i)
			ls = append(ls, l)
			if err := w.Add(l); err != nil {
				t.Fatal(err)
			}
		}
		root, op, err := w.Finish()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := resultleaves.Op(rootOf(t, ls), ls)
		if root != rootOf(t, ls) || !bytes.Equal(op.Key, want.Key) || !bytes.Equal(op.Value, want.Value) {
			t.Errorf("%d leaves: root %s, want %s; or not the record Op makes", n, root, rootOf(t, ls))
		}
	}
}

// TestKeptInParts: a result of more than PartBytes of leaves is kept in
// parts and a manifest; it reads back whole and verifies; a missing or
// altered part is a problem of the entry, and the leaves do not read.
func TestKeptInParts(t *testing.T) {
	c, b := newCase(t)
	pad := strings.Repeat("x", 4000)
	var ls [][]byte
	w := resultleaves.NewWriter(c)
	for i := range 3*resultleaves.PartBytes/4000 + 7 {
		l := fmt.Appendf(nil, `{"indicator":"i%07d","pad":"%s"}`, i, pad)
		ls = append(ls, l)
		if err := w.Add(l); err != nil {
			t.Fatal(err)
		}
	}
	root, op, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if root != rootOf(t, ls) {
		t.Fatalf("root %s, want %s", root, rootOf(t, ls))
	}
	if len(op.Value) > 1000 {
		t.Fatalf("the record committed with the entry is %d bytes: not a manifest", len(op.Value))
	}
	es, err := c.AppendAtomic(context.Background(), []evidence.Op{op}, evidence.Draft{Kind: "assessment.recorded", Actor: "T",
		Payload: map[string]any{"result_root": root, "sources": len(ls), "leaves_kept": true}})
	if err != nil {
		t.Fatal(err)
	}
	if p := problems(t, c); len(p) > 0 {
		t.Fatalf("intact case: %v", p)
	}
	got, err := resultleaves.Read(c, root)
	if err != nil || len(got) != len(ls) || !bytes.Equal(got[len(ls)-1], ls[len(ls)-1]) {
		t.Fatalf("read %d leaves, %v", len(got), err)
	}
	var parts [][2][]byte
	err = c.Derived().Scan([]byte("rlp/"), nil, func(k, v []byte) error {
		parts = append(parts, [2][]byte{bytes.Clone(k), bytes.Clone(v)})
		return nil
	})
	if err != nil || len(parts) != 4 {
		t.Fatalf("%d parts, %v; want 4", len(parts), err)
	}
	want := fmt.Sprintf("entry %d: ", es[0].Index)
	b.Corrupt(parts[1][0], parts[2][1])
	if p := problems(t, c); len(p) != 1 || !strings.HasPrefix(p[0], want) || !strings.Contains(p[0], "not the part the manifest names") {
		t.Errorf("altered part: problems %v", p)
	}
	b.Delete(parts[1][0])
	if p := problems(t, c); len(p) != 1 || !strings.HasPrefix(p[0], want) || !strings.Contains(p[0], "missing") {
		t.Errorf("missing part: problems %v", p)
	}
	if _, err := resultleaves.Read(c, root); err == nil {
		t.Error("leaves read without a part")
	}
}
