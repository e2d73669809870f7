package export

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// zeros reads n zero bytes.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	k := int64(len(p))
	k = min(k, z.n)
	clear(p[:k])
	z.n -= k
	return int(k), nil
}

// TestVerifyHostileArchiveMemory: a small .tar.gz holding a good package
// plus large unlisted files of zeros, and a listed file whose body is far
// longer than the manifest says, is rejected naming them, and Verify
// allocates a bounded amount whatever the archive claims (it once kept
// every non-artefact file in memory: a 4 MB archive cost 6.8 GB).
func TestVerifyHostileArchiveMemory(t *testing.T) {
	tc := newTestCase(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	build(t, tc, tc.options(good))
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	add := func(name string, size int64, r io.Reader) {
		if err := tw.WriteHeader(&tar.Header{Name: "pkg/" + name, Mode: 0o644, Size: size, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(tw, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: "pkg/", Mode: 0o755, Typeflag: tar.TypeDir}); err != nil {
		t.Fatal(err)
	}
	const junk, each = 8, 16 << 20
	for i := range junk {
		add("junk-"+string(rune('a'+i))+".txt", each, &zeros{each})
	}
	err := filepath.WalkDir(good, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(good, p)
		rel = filepath.ToSlash(rel)
		if rel == "report.html" {
			add(rel, 64<<20, &zeros{64 << 20})
			return nil
		}
		b := mustRead(t, p)
		add(rel, int64(len(b)), bytes.NewReader(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	hostile := filepath.Join(dir, "hostile.tar.gz")
	if err := os.WriteFile(hostile, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("archive %d bytes, %d MiB unpacked", buf.Len(), (junk*each+64<<20)>>20)

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r, err := Verify(context.Background(), hostile)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 48<<20 {
		t.Fatalf("Verify allocated %d MiB for a hostile archive", alloc>>20)
	}
	if r.OK {
		t.Fatal("a hostile archive verified")
	}
	var where []string
	for _, p := range r.Problems {
		where = append(where, p.Where)
	}
	all := strings.Join(where, " ")
	if !strings.Contains(all, "junk-a.txt") || !strings.Contains(all, "report.html") {
		t.Fatalf("problems %+v", r.Problems)
	}
}
