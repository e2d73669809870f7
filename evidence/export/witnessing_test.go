package export

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/keys"
	"github.com/casefile/casefile/evidence/tsa"
	"github.com/casefile/casefile/evidence/tsa/tsatest"
	"github.com/casefile/casefile/evidence/witness"
	"github.com/casefile/casefile/evidence/witness/witnesstest"
)

// witnessedCase is the test case with a witness and a TSA configured.
func witnessedCase(t *testing.T) (*testCase, witness.Policy, *tsatest.Server) {
	tc := newTestCase(t)
	vkey, err := keys.VerifierKey(tc.signer.Public(), testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	w := witnesstest.Start(t, "counsel.example/w", vkey)
	srv := w.HTTP
	ts := tsatest.New(t, func() time.Time { return time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC) })
	p := witness.Policy{Witnesses: []witness.Witness{{URL: srv.URL, VKey: w.VKey()}}, Quorum: 1, TSA: ts.URL}
	if _, err := witness.Record(context.Background(), tc.c, testExaminer, p); err != nil {
		t.Fatal(err)
	}
	p, _, _, _ = witness.Load(tc.c)
	return tc, p, ts
}

func publish(t *testing.T, tc *testCase, p witness.Policy) {
	t.Helper()
	res, err := witness.Publish(context.Background(), tc.c, p, nil)
	if err != nil || !res.QuorumMet() {
		t.Fatalf("publish: %+v %v", res, err)
	}
}

// A package carries the witnesses' cosignatures and the timestamp of its
// checkpoint, and proves consistency from every earlier export, not only
// the previous one.
func TestWitnessingInPackage(t *testing.T) {
	tc, p, _ := witnessedCase(t)
	dir := t.TempDir()
	var sizes []uint64
	var last string
	for _, name := range []string{"pkg1", "pkg2", "pkg3"} {
		publish(t, tc, p)
		last = filepath.Join(dir, name)
		build(t, tc, tc.options(last))
		r := mustVerify(t, last)
		sizes = append(sizes, r.Checkpoint.Size)
		if !r.OK || r.Witnessing == nil || len(r.Witnessing.Witnessed) != 2 {
			t.Fatalf("%s: %+v %+v", name, r.Problems, r.Witnessing)
		}
		cs, ts := r.Witnessing.Witnessed[0], r.Witnessing.Witnessed[1]
		if cs.Kind != "cosignature" || cs.By != "counsel.example/w" || cs.Size != r.Checkpoint.Size ||
			ts.Kind != "timestamp" || !ts.Time.Equal(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)) {
			t.Fatalf("%s witnessed %+v", name, r.Witnessing.Witnessed)
		}
	}
	r := mustVerify(t, last)
	if got := r.Witnessing.Consistent; len(got) != 2 || got[0] != sizes[0] || got[1] != sizes[1] {
		t.Fatalf("consistent from %v, want %v", got, sizes[:2])
	}

	// Damage, with the manifest re-signed by the case key: still caught.
	for _, c := range []struct {
		name, where string
		damage      func(dir string)
	}{
		{"cosignature", fileCosigned, func(dir string) {
			f := filepath.Join(dir, fileCosigned)
			b, _ := os.ReadFile(f)
			i := bytes.LastIndex(b, []byte(" ")) + 20
			b[i] ^= 1
			os.WriteFile(f, b, 0o644)
		}},
		{"cosigned checkpoint of another size", fileCosigned, func(dir string) {
			f := filepath.Join(dir, fileCosigned)
			b, _ := os.ReadFile(f)
			os.WriteFile(f, bytes.Replace(b, []byte("\n"), []byte("\n1"), 1), 0o644)
		}},
		{"timestamp over other data", fileWitnessTSR, func(dir string) {
			other, err := tsa.Request(context.Background(), nil, p.TSA, []byte("another checkpoint\n"))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, fileWitnessTSR), other, 0o644)
		}},
		{"earlier consistency proof", consistencyPath(sizes[0], sizes[2]), func(dir string) {
			f := filepath.Join(dir, consistencyPath(sizes[0], sizes[2]))
			b, _ := os.ReadFile(f)
			lines := strings.SplitN(string(b), "\n", 5)
			lines[3] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
			os.WriteFile(f, []byte(strings.Join(lines, "\n")), 0o644)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := filepath.Join(t.TempDir(), "pkg")
			os.CopyFS(bad, os.DirFS(last))
			c.damage(bad)
			resignDir(t, bad, tc.signer.SignBlob)
			r := mustVerify(t, bad)
			if r.OK || r.First().Where != c.where {
				t.Fatalf("first problem %+v, want %s", r.First(), c.where)
			}
		})
	}
}

// C2SP tlog-proof allows an "extra" line after the header; the reader
// accepts it (and a C2SP checkpoint with extension lines after it).
func TestInclusionProofExtraLine(t *testing.T) {
	proof := "c2sp.org/tlog-proof@v1\nextra YWdlLXYxLjIuMQ==\nindex 3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\nexample.com/log\n4\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\next line\n\n— example.com/log AAAA\n"
	idx, hs, ck, err := parseInclusion([]byte(proof))
	if err != nil || idx != 3 || len(hs) != 1 || !strings.HasPrefix(string(ck), "example.com/log\n4\n") {
		t.Fatalf("%d %v %q %v", idx, hs, ck, err)
	}
	if _, _, _, err := parseInclusion([]byte(strings.Replace(proof, "YWdlLXYxLjIuMQ==", "not base64!", 1))); err == nil {
		t.Fatal("a malformed extra line was accepted")
	}
	if _, _, _, err := parseInclusion([]byte(strings.Replace(proof, "extra YWdlLXYxLjIuMQ==\n", "", 1))); err != nil {
		t.Fatalf("without the extra line: %v", err)
	}
}
