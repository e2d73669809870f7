package witness_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/casefile/casefile/evidence/witness"
)

var update = flag.Bool("update", false, "rewrite testdata/cosigned from a fresh witnessed case")

// testdata/cosigned holds a checkpoint signed by a case key and cosigned by
// two casefile witnesses, with their keys: the input of the independent
// check in ./xmodcheck, which uses only golang.org/x/mod and the standard
// library. This test makes sure the vector is what this package writes
// and reads.
func TestCosignedVector(t *testing.T) {
	dir := filepath.Join("testdata", "cosigned")
	if *update {
		x := newWitnessed(t)
		grow(t, x.c, 3, "vector")
		x.publish(t, 2)
		r := check(t, x.c, true)
		var lines []string
		for _, cs := range r.Cosignatures {
			if cs.Size == x.c.Log().Size() {
				lines = append(lines, cs.Line)
			}
		}
		os.MkdirAll(dir, 0o755)
		write := func(name, data string) {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write("checkpoint.txt", string(x.c.Log().Checkpoint())+strings.Join(lines, ""))
		write("log.vkey", x.k.vkey+"\n")
		write("witnesses.vkey", x.w1.VKey()+"\n"+x.w2.VKey()+"\n")
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	logV, err := note.NewVerifier(strings.TrimSpace(read("log.vkey")))
	if err != nil {
		t.Fatal(err)
	}
	vs := []note.Verifier{logV}
	for _, l := range strings.Fields(read("witnesses.vkey")) {
		v, err := witness.NewVerifier(l)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	n, err := note.Open([]byte(read("checkpoint.txt")), note.VerifierList(vs...))
	if err != nil || len(n.Sigs) != 3 {
		t.Fatalf("vector: %v, %d signatures", err, len(n.Sigs))
	}
}
