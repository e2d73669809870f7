package resultleaves_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/memstore"
	"github.com/casefile/casefile/evidence/resultleaves"
)

func newCase(t *testing.T) (*evidence.Case, *memstore.Store) {
	t.Helper()
	skey, vkey, _ := note.GenerateKey(rand.Reader, "casefile.invalid/case/t")
	s, _ := note.NewSigner(skey)
	v, _ := note.NewVerifier(vkey)
	b := memstore.New()
	c, err := evidence.Open(b, evidence.Config{Signer: s, Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(context.Background(), "T", evidence.CaseInfo{Title: "t"}); err != nil {
		t.Fatal(err)
	}
	return c, b
}

func rootOf(t *testing.T, leaves [][]byte) string {
	t.Helper()
	tr, err := evidence.NewLeafTree(leaves)
	if err != nil {
		t.Fatal(err)
	}
	return evidence.EncodeRoot(tr.Root())
}

// record appends an assessment entry over leaves, keeping them when keep
// is set, as graph.Record does.
func record(t *testing.T, c *evidence.Case, leaves [][]byte, keep bool) (*evidence.Entry, evidence.Op) {
	t.Helper()
	root := rootOf(t, leaves)
	op, err := resultleaves.Op(root, leaves)
	if err != nil {
		t.Fatal(err)
	}
	p := map[string]any{"result_root": root, "sources": len(leaves)}
	var ops []evidence.Op
	if keep {
		p["leaves_kept"], ops = true, []evidence.Op{op}
	}
	es, err := c.AppendAtomic(context.Background(), ops, evidence.Draft{Kind: "assessment.recorded", Actor: "T", Payload: p})
	if err != nil {
		t.Fatal(err)
	}
	return es[0], op
}

func problems(t *testing.T, c *evidence.Case) []string {
	t.Helper()
	var out []string
	if _, err := resultleaves.Verify(context.Background(), c, func(where, detail string) { out = append(out, where+": "+detail) }); err != nil {
		t.Fatal(err)
	}
	return out
}

var leaves = [][]byte{[]byte(`{"indicator":"130.37.1.20","role":"a"}`), []byte(`{"indicator":"185.220.101.4","role":"b"}`)}

// TestKeptLeavesVerify: kept leaves read back and verify; a flipped byte,
// swapped leaves or a missing record fail verification naming the entry;
// an entry recorded before leaves were kept says nothing and is not
// checked.
func TestKeptLeavesVerify(t *testing.T) {
	c, b := newCase(t)
	record(t, c, [][]byte{[]byte(`{"indicator":"old"}`)}, false)
	e, op := record(t, c, leaves, true)
	if p := problems(t, c); len(p) > 0 {
		t.Fatalf("intact case: %v", p)
	}
	got, err := resultleaves.Read(c, rootOf(t, leaves))
	if err != nil || len(got) != 2 || string(got[1]) != string(leaves[1]) {
		t.Fatalf("read %q, %v", got, err)
	}
	if _, err := resultleaves.Read(c, rootOf(t, [][]byte{[]byte(`{"indicator":"old"}`)})); err != resultleaves.ErrNotKept {
		t.Fatalf("leaves of an old entry: %v", err)
	}
	want := fmt.Sprintf("entry %d", e.Index)
	swapped, _ := resultleaves.Op(rootOf(t, leaves), [][]byte{leaves[1], leaves[0]})
	flipped := append([]byte(nil), leaves[0]...)
	flipped[len(flipped)-3] ^= 1
	flip, _ := resultleaves.Op(rootOf(t, leaves), [][]byte{flipped, leaves[1]})
	for name, v := range map[string][]byte{"swapped": swapped.Value, "flipped": flip.Value, "cut": op.Value[:len(op.Value)-2]} {
		b.Corrupt(op.Key, v)
		p := problems(t, c)
		if len(p) != 1 || !strings.HasPrefix(p[0], want+": ") {
			t.Errorf("%s leaves: problems %v, want one of %s", name, p, want)
		}
		if _, err := resultleaves.Read(c, rootOf(t, leaves)); err == nil {
			t.Errorf("%s leaves read without error", name)
		}
	}
	b.Delete(op.Key)
	if p := problems(t, c); len(p) != 1 || !strings.Contains(p[0], want+": the per-source leaves it says are kept are missing") {
		t.Errorf("missing leaves: problems %v", p)
	}
}

// TestStrayLeaves: a record no assessment entry names is reported as a
// problem of the store.
func TestStrayLeaves(t *testing.T) {
	c, _ := newCase(t)
	op, err := resultleaves.Op(rootOf(t, leaves), leaves)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WriteDerived([]evidence.Op{op}, true); err != nil {
		t.Fatal(err)
	}
	if p := problems(t, c); len(p) != 1 || !strings.HasPrefix(p[0], "kept result leaves ") {
		t.Fatalf("problems %v", p)
	}
}
