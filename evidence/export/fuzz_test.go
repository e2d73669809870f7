package export

import (
	"bytes"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// FuzzParseProof: proof files are parsed strictly; whatever parses
// re-encodes to the same bytes, and nothing panics.
func FuzzParseProof(f *testing.F) {
	ck := []byte("casefile.invalid/case/x\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— casefile.invalid/case/x abc=\n")
	f.Add(encodeInclusion(2, tlog.RecordProof{{1}, {2}}, ck))
	f.Add(encodeInclusion(0, nil, ck))
	f.Add(encodeConsistency(1, tlog.TreeProof{{3}}, ck))
	f.Add(consistency{Old: 1, New: 3, Proof: tlog.TreeProof{{3}}, OldCk: ck}.encode())
	f.Add([]byte("c2sp.org/tlog-proof@v1\nindex 01\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if idx, p, c, err := parseInclusion(data); err == nil {
			if !bytes.Equal(encodeInclusion(idx, p, c), data) {
				t.Fatalf("inclusion proof does not round-trip: %q", data)
			}
		}
		if c, err := parseConsistency(data); err == nil {
			if !bytes.Equal(c.encode(), data) {
				t.Fatalf("consistency proof does not round-trip: %q", data)
			}
		}
	})
}
