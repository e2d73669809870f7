package badgerstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/badgerstore"
)

const origin = "casefile.invalid/case/packs-test"

type testCase struct {
	dir    string
	signer note.Signer
	v      note.Verifier
}

func newTestCase(t *testing.T, dir string) *testCase {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := note.NewSigner(skey)
	v, _ := note.NewVerifier(vkey)
	tc := &testCase{dir: dir, signer: s, v: v}
	c := tc.open(t, false)
	if _, err := c.Create(context.Background(), "T", evidence.CaseInfo{Title: "t", Origin: origin}); err != nil {
		t.Fatal(err)
	}
	c.Close()
	return tc
}

func (tc *testCase) open(t *testing.T, readOnly bool) *evidence.Case {
	t.Helper()
	st, err := badgerstore.Open(tc.dir, badgerstore.Options{ReadOnly: readOnly})
	if err != nil {
		t.Fatal(err)
	}
	cfg := evidence.Config{Verifier: tc.v}
	if !readOnly {
		cfg.Signer = tc.signer
	}
	c, err := evidence.Open(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (tc *testCase) ingest(t *testing.T, r io.Reader) error {
	t.Helper()
	c := tc.open(t, false)
	defer c.Close()
	_, err := c.Ingest(context.Background(), r, evidence.ArtefactMeta{Name: "x"}, evidence.IngestOptions{Actor: "T"})
	return err
}

func (tc *testCase) verify(t *testing.T) *evidence.Report {
	t.Helper()
	c := tc.open(t, true)
	defer c.Close()
	r, err := c.Verify(context.Background(), evidence.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (tc *testCase) pack() string { return filepath.Join(tc.dir, "packs", "pack-000001.dat") }

func size(t *testing.T, p string) int64 {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func wantStoreProblem(t *testing.T, r *evidence.Report, where, detail string) {
	t.Helper()
	for _, p := range r.Problems {
		if p.Kind == evidence.ProblemStore && strings.HasPrefix(p.Where, where) && strings.Contains(p.Detail, detail) {
			return
		}
	}
	t.Fatalf("no store problem at %q with %q: %+v", where, detail, r.Problems)
}

// TestPackBytesOutsideTheIndex: bytes added to a pack, at its end or
// between records, and stray files are found (invariant 6: any byte).
func TestPackBytesOutsideTheIndex(t *testing.T) {
	tc := newTestCase(t, t.TempDir())
	if err := tc.ingest(t, bytes.NewReader(randomBytes(3<<20/2))); err != nil {
		t.Fatal(err)
	}
	if r := tc.verify(t); !r.OK {
		t.Fatalf("fresh: %+v", r.Problems)
	}
	orig, _ := os.ReadFile(tc.pack())
	os.WriteFile(tc.pack(), append(bytes.Clone(orig), "hidden"...), 0o600)
	r := tc.verify(t)
	wantStoreProblem(t, r, "pack 1 offset", "6 bytes at the end belong to no indexed chunk")

	mid := append(append(bytes.Clone(orig[:36+1<<20]), "hidden"...), orig[36+1<<20:]...)
	os.WriteFile(tc.pack(), mid, 0o600)
	r = tc.verify(t)
	wantStoreProblem(t, r, "pack 1 offset 1048612", "record header does not name") // the records after it moved
	wantStoreProblem(t, r, "pack 1 offset", "6 bytes at the end belong to no indexed chunk")

	os.WriteFile(tc.pack(), orig, 0o600)
	os.WriteFile(filepath.Join(tc.dir, "packs", "notes.txt"), []byte("x"), 0o600)
	wantStoreProblem(t, tc.verify(t), "packs/notes.txt", "unexpected file")
	os.Remove(filepath.Join(tc.dir, "packs", "notes.txt"))

	// A flipped byte in a record header names another chunk.
	hdr := bytes.Clone(orig)
	hdr[5] ^= 1
	os.WriteFile(tc.pack(), hdr, 0o600)
	wantStoreProblem(t, tc.verify(t), "pack 1 offset 0", "record header does not name")
}

type failingReader struct {
	n   int
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, f.err
	}
	n := min(len(p), f.n)
	copy(p, randomBytes(n))
	f.n -= n
	return n, nil
}

// TestFailedIngestLeavesNoBytes: an ingest whose reader fails after 5 MiB
// (a rejected upload, a read error) leaves the pack as it was.
func TestFailedIngestLeavesNoBytes(t *testing.T) {
	tc := newTestCase(t, t.TempDir())
	if err := tc.ingest(t, bytes.NewReader(randomBytes(100<<10))); err != nil {
		t.Fatal(err)
	}
	before := size(t, tc.pack())
	rejected := errors.New("upload rejected")
	if err := tc.ingest(t, &failingReader{5 << 20, rejected}); !errors.Is(err, rejected) {
		t.Fatalf("ingest: %v", err)
	}
	if after := size(t, tc.pack()); after != before {
		t.Fatalf("pack grew from %d to %d bytes after a failed ingest", before, after)
	}
	if r := tc.verify(t); !r.OK {
		t.Fatalf("after a failed ingest: %+v", r.Problems)
	}
}

// TestWritableOpenCutsUnindexedTail: bytes a killed ingest appended but
// never indexed are cut off by the next writable open.
func TestWritableOpenCutsUnindexedTail(t *testing.T) {
	tc := newTestCase(t, t.TempDir())
	if err := tc.ingest(t, bytes.NewReader(randomBytes(100<<10))); err != nil {
		t.Fatal(err)
	}
	before := size(t, tc.pack())
	f, _ := os.OpenFile(tc.pack(), os.O_WRONLY|os.O_APPEND, 0)
	f.Write(randomBytes(5000))
	f.Close()
	tc.open(t, false).Close()
	if after := size(t, tc.pack()); after != before {
		t.Fatalf("unindexed tail not cut: %d, want %d", after, before)
	}
	if r := tc.verify(t); !r.OK {
		t.Fatalf("%+v", r.Problems)
	}
}

// TestDiskFull ingests more than a small tmpfs holds: a clear error that
// says the disk is full, no unindexed bytes, and a case that verifies.
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("disk full: mounting a small tmpfs needs root; skipped")
	}
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("disk full: mounting a tmpfs is not permitted here (%v: %s); skipped", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() }) // lazily: even while a failed test holds files
	tc := newTestCase(t, filepath.Join(mnt, "store"))
	if err := tc.ingest(t, bytes.NewReader(randomBytes(2<<20))); err != nil {
		t.Fatal(err)
	}
	before := size(t, tc.pack())
	err := tc.ingest(t, &failingReader{80 << 20, io.EOF})
	var full *badgerstore.DiskFullError
	if !errors.As(err, &full) || !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("ingest on a full disk: %v", err)
	}
	if after := size(t, tc.pack()); after != before {
		t.Fatalf("pack holds %d bytes after the failed ingest, want %d", after, before)
	}
	if r := tc.verify(t); !r.OK {
		t.Fatalf("after disk full: %+v", r.Problems)
	}
}

// TestDatabaseFilesOutsideTheManifest: a table the MANIFEST does not name,
// or bytes after its last change, are damage for reading and for ordinary
// writing (Badger would delete the table, or cut the MANIFEST); only an
// explicit recovery lets Badger repair them.
func TestDatabaseFilesOutsideTheManifest(t *testing.T) {
	tc := newTestCase(t, t.TempDir())
	db := filepath.Join(tc.dir, "db")
	ssts, _ := filepath.Glob(filepath.Join(db, "*.sst"))
	if len(ssts) == 0 {
		t.Fatal("no table")
	}
	b, _ := os.ReadFile(ssts[0])
	planted := filepath.Join(db, "000999.sst")
	os.WriteFile(planted, b, 0o600)
	for _, o := range []badgerstore.Options{{ReadOnly: true}, {}} {
		if _, err := badgerstore.Open(tc.dir, o); !errors.Is(err, evidence.ErrStoreDamaged) || !strings.Contains(err.Error(), "000999.sst is not in the MANIFEST") {
			t.Fatalf("open %+v with a planted table: %v", o, err)
		}
	}
	st, err := badgerstore.Open(tc.dir, badgerstore.Options{Recover: true})
	if err != nil {
		t.Fatalf("recover: %v", err)
	}
	st.Close()
	if r := tc.verify(t); !r.OK {
		t.Fatalf("after recovery: %+v", r.Problems)
	}

	man := filepath.Join(db, "MANIFEST")
	m, _ := os.ReadFile(man)
	os.WriteFile(man, append(m, 0, 0, 1), 0o600)
	if _, err := badgerstore.Open(tc.dir, badgerstore.Options{ReadOnly: true}); !errors.Is(err, evidence.ErrStoreDamaged) || !strings.Contains(err.Error(), "3 bytes after its last complete change") {
		t.Fatalf("MANIFEST with a torn tail: %v", err)
	}
}

// TestDamagedValueLogIsAnError: Badger logs a value it cannot read from its
// value log and returns it empty, without an error; the store reports it.
func TestDamagedValueLogIsAnError(t *testing.T) {
	dir := t.TempDir()
	st, err := badgerstore.Open(dir, badgerstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("value log "), 10000) // above the 64 KiB value threshold
	if err := st.Write([]evidence.Op{{Key: []byte("x/big"), Value: big}}, true); err != nil {
		t.Fatal(err)
	}
	st.Close()
	vlogs, _ := filepath.Glob(filepath.Join(dir, "db", "*.vlog"))
	flipped := false
	for _, p := range vlogs {
		b, _ := os.ReadFile(p)
		if i := bytes.Index(b, []byte("value log value log")); i >= 0 {
			b[i+5000] ^= 1
			os.WriteFile(p, b, 0o600)
			flipped = true
		}
	}
	if !flipped {
		t.Fatal("the value is not in a value log")
	}
	st, err = badgerstore.Open(dir, badgerstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if v, err := st.Get([]byte("x/big")); !errors.Is(err, evidence.ErrStoreDamaged) {
		t.Fatalf("Get of a damaged value: %d bytes, %v", len(v), err)
	}
	err = st.Scan([]byte("x/"), nil, func(k, v []byte) error { return nil })
	if !errors.Is(err, evidence.ErrStoreDamaged) {
		t.Fatalf("Scan over a damaged value: %v", err)
	}
}
