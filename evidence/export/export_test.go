package export

import (
	"archive/zip"
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuildAndVerify(t *testing.T) {
	tc := newTestCase(t)
	dir := t.TempDir()
	want := map[string][3]int{"pkg": {29, 8, 0}, "pkg.tar.gz": {32, 9, 8}, "pkg.zip": {35, 10, 9}} // pkg.zip proves consistency from 8 and 9, with their checkpoints
	for _, name := range []string{"pkg", "pkg.tar.gz", "pkg.zip"} {
		out := filepath.Join(dir, name)
		res := build(t, tc, tc.options(out))
		r := mustVerify(t, out)
		if !r.OK {
			t.Fatalf("%s: %+v", name, r.Problems)
		}
		t.Logf("%s: %d files, %d entries, %d artefacts, checkpoint %d, previous %d", name, r.Files, r.Entries, r.Artefacts, r.Checkpoint.Size, r.Previous)
		if w := want[name]; r.Files != w[0] || int(r.Entries) != w[1] || int(r.Checkpoint.Size) != w[1] || int(r.Previous) != w[2] {
			t.Fatalf("%s: got files %d entries %d previous %d, want %v", name, r.Files, r.Entries, r.Previous, w)
		}
		if r.Artefacts != 3 || res.Artefacts != 3 || int(r.Entries) != res.Entries || r.Files != res.Files {
			t.Fatalf("%s: report %+v, result %+v", name, r, res)
		}
		if res.Entry == nil || res.Entry.Kind != KindExportCreated {
			t.Fatalf("no export.created entry")
		}
	}
}

func TestBuildRefusesToOverwrite(t *testing.T) {
	tc := newTestCase(t)
	out := t.TempDir()
	if _, err := Build(context.Background(), tc.c, tc.options(out)); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("got %v", err)
	}
	if n := tc.c.Log().Size(); n != 8 {
		t.Fatalf("a failed export recorded an entry: log size %d", n)
	}
}

// TestTamperArchives damages a byte inside .tar.gz and .zip packages:
// Verify reports damage (exit 1), it does not fail to run.
func TestTamperArchives(t *testing.T) {
	tc := newTestCase(t)
	dir := t.TempDir()
	for _, name := range []string{"p.tar.gz", "p.zip"} {
		out := filepath.Join(dir, name)
		build(t, tc, tc.options(out))
		b := mustRead(t, out)
		offsets := []int{len(b) / 3, len(b) / 2, 2 * len(b) / 3}
		if name == "p.zip" {
			// Archive metadata (times, attributes) is not evidence: damage
			// the compressed bytes of files instead.
			zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			offsets = nil
			for _, zf := range zr.File {
				if zf.CompressedSize64 > 16 {
					off, _ := zf.DataOffset()
					offsets = append(offsets, int(off)+int(zf.CompressedSize64)/2)
				}
			}
		}
		for _, at := range offsets {
			bad := filepath.Join(dir, "bad-"+name)
			c := append([]byte(nil), b...)
			c[at] ^= 0x20
			if err := writeFile(bad, c); err != nil {
				t.Fatal(err)
			}
			r, err := Verify(context.Background(), bad)
			if err != nil {
				t.Fatalf("%s at %d: %v", name, at, err)
			}
			if r.OK {
				t.Fatalf("%s damaged at %d verified", name, at)
			}
			t.Logf("%s at %d: %s: %s", name, at, r.First().Where, r.First().Detail)
		}
	}
}
