package evidence_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
)

// TestBulkValuesRaiseTheLayout: a case of layout 4 takes bulk derived
// values, which badgerstore keeps in its value files; the first of them
// writes layout 5 (so that an older Casefile refuses the case by name),
// an ordinary derived value does not. Only WriteDerived takes them, the
// case verifies read-only, and a changed value file is a store problem.
func TestBulkValuesRaiseTheLayout(t *testing.T) {
	b := openBadger(t)
	s, v := testKeys(t)
	c, err := openOn(b, evidence.Config{Signer: s, Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(context.Background(), "T", evidence.CaseInfo{Title: "layout 4"}); err != nil {
		t.Fatal(err)
	}
	b.Corrupt([]byte("layout"), []byte("4"))
	if c, err = openOn(b, evidence.Config{Signer: s, Verifier: v}); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("an event block "), 200)
	if err := c.WriteDerived([]evidence.Op{{Key: []byte("v/plain"), Value: big}}, true); err != nil {
		t.Fatal(err)
	}
	if got := layoutOf(t, b); got != "4" {
		t.Fatalf("layout after an ordinary derived value: %q", got)
	}
	ops := []evidence.Op{{Key: []byte("v/1"), Value: big, Bulk: true}, {Key: []byte("v/2"), Value: bytes.ToUpper(big), Bulk: true}}
	if err := c.WriteDerived(ops, false); err != nil {
		t.Fatal(err)
	}
	if got := layoutOf(t, b); got != "5" {
		t.Fatalf("layout after a bulk value: %q", got)
	}
	_, err = c.AppendAtomic(context.Background(), []evidence.Op{{Key: []byte("v/3"), Value: big, Bulk: true}}, evidence.Draft{Kind: "note.added", Actor: "T"})
	if err == nil || !strings.Contains(err.Error(), "bulk values are written with WriteDerived") {
		t.Fatalf("a bulk value committed with an entry: %v", err)
	}
	if _, err := c.Append(context.Background(), notes(3)...); err != nil { // the durable barrier
		t.Fatal(err)
	}
	valueFile := filepath.Join(b.(*badgerBackend).dir, "values", "values-000001.dat")
	if st, err := os.Stat(valueFile); err != nil || st.Size() < int64(2*len(big)) {
		t.Fatalf("value file: %v", err)
	}
	if r := verifyReadOnly(t, c, b); !r.OK {
		t.Fatalf("case with bulk values: %+v", r.Problems)
	}
	for _, op := range ops {
		if got, err := c.Derived().Get(op.Key); err != nil || !bytes.Equal(got, op.Value) {
			t.Fatalf("%s: %v", op.Key, err)
		}
	}
	b.(*badgerBackend).edit(func(string) error {
		data, err := os.ReadFile(valueFile)
		if err != nil {
			return err
		}
		data[100] ^= 1 // in the first record, which a whole one follows
		return os.WriteFile(valueFile, data, 0o600)
	})
	wantProblem(t, verifyReadOnly(t, c, b), evidence.ProblemStore, "value file 1 offset 0", "do not read as a value record")
}
