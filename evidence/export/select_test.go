package export

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
)

// TestSelective exports by indicator and by artefact: the package holds
// exactly the selected artefacts and entries, nothing of the rest, and its
// proofs verify against the full log's checkpoint.
func TestSelective(t *testing.T) {
	tc := newTestCase(t)
	dir := t.TempDir()
	for _, c := range []struct {
		name       string
		indicators []string
		artefacts  []evidence.Digest
		wantArts   []string
		wantIdx    []uint64
	}{
		// 81.2.69.142 appears only in access.log: entry 0, its ingest (3)
		// and parse (4) entries.
		{"indicator", []string{"81.2.69.142"}, nil, []string{"access.log"}, []uint64{0, 3, 4}},
		// 185.220.101.4 appears in both logs and in the observation (6).
		{"indicator-two-logs", []string{"185.220.101.4"}, nil, []string{"auth.log", "access.log"}, []uint64{0, 1, 2, 3, 4, 6}},
		{"artefact", nil, []evidence.Digest{tc.arts["notes.bin"]}, []string{"notes.bin"}, []uint64{0, 5}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, c.name+".zip")
			o := tc.options(out)
			o.Indicators, o.Artefacts, o.AsOf = c.indicators, c.artefacts, 8
			res := build(t, tc, o)
			r := mustVerify(t, out)
			if !r.OK {
				t.Fatalf("%+v", r.Problems)
			}
			if r.Artefacts != len(c.wantArts) || res.Entries != len(c.wantIdx) || r.Checkpoint.Size != 8 {
				t.Fatalf("artefacts %d entries %d checkpoint %d", r.Artefacts, res.Entries, r.Checkpoint.Size)
			}
			pk, err := readPackage(context.Background(), out)
			if err != nil {
				t.Fatal(err)
			}
			var got []uint64
			for _, l := range bytes.Split(bytes.TrimSuffix(pk.files["entries.jsonl"].data, []byte("\n")), []byte("\n")) {
				e, err := evidence.ParseEntry(l)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, e.Index)
			}
			if !equalU(got, c.wantIdx) {
				t.Fatalf("entries %v, want %v", got, c.wantIdx)
			}
			want := map[string]bool{}
			for _, n := range c.wantArts {
				want[tc.arts[n].Hex()] = true
			}
			for name, d := range tc.arts {
				_, present := pk.files["artefacts/"+d.Hex()]
				if present != want[d.Hex()] {
					t.Fatalf("artefact %s present=%v", name, present)
				}
				if !want[d.Hex()] {
					// An excluded artefact leaves no trace: not its bytes,
					// not its hash, not its name.
					raw, _ := os.ReadFile(filepath.Join("testdata", name))
					for fn, f := range pk.files {
						if f.data != nil && (bytes.Contains(f.data, []byte(d.Hex())) || (len(raw) > 20 && bytes.Contains(f.data, raw[:20]))) {
							t.Fatalf("excluded %s appears in %s", name, fn)
						}
						if name != "notes.bin" && f.data != nil && strings.Contains(string(f.data), `"name":"`+name+`"`) {
							t.Fatalf("excluded %s named in %s", name, fn)
						}
					}
				}
			}
			if bytes.Contains(pk.files["entries.jsonl"].data, []byte("called the hosting provider")) {
				t.Fatal("an unrelated entry was exported")
			}
		})
	}
	if _, err := Build(context.Background(), tc.c, func() Options {
		o := tc.options(filepath.Join(dir, "none"))
		o.Indicators = []string{"192.0.2.99"}
		return o
	}()); err == nil {
		t.Fatal("a selection matching nothing was exported")
	}
}

func equalU(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestReproducible builds the same case state twice (the second as of the
// first's checkpoint, since the first records an entry) and compares bytes.
func TestReproducible(t *testing.T) {
	tc := newTestCase(t)
	dir := t.TempDir()
	for _, ext := range []string{".tar.gz", ".zip"} {
		a, b := filepath.Join(dir, "a"+ext), filepath.Join(dir, "b"+ext)
		oa := tc.options(a)
		oa.AsOf = 8
		build(t, tc, oa)
		ob := tc.options(b)
		ob.AsOf = 8
		build(t, tc, ob)
		ba, _ := os.ReadFile(a)
		bb, _ := os.ReadFile(b)
		if len(ba) == 0 || !bytes.Equal(ba, bb) {
			t.Fatalf("%s: two builds differ (%d and %d bytes)", ext, len(ba), len(bb))
		}
	}
	// A dry run changes nothing in the log.
	n := tc.c.Log().Size()
	o := tc.options(filepath.Join(dir, "dry"))
	o.NoRecord = true
	build(t, tc, o)
	if tc.c.Log().Size() != n {
		t.Fatal("NoRecord recorded an entry")
	}
}

// Exhibit numbers follow custody order and are the same in every package
// of a case: E2 is access.log in the full package and in one that holds
// access.log alone.
func TestExhibitNumbersStable(t *testing.T) {
	tc := newTestCase(t)
	dir := t.TempDir()
	exhibits := func(o Options) map[string]string {
		build(t, tc, o)
		pk, err := readPackage(context.Background(), o.Out)
		if err != nil {
			t.Fatal(err)
		}
		var m Manifest
		if err := json.Unmarshal(pk.files[fileManifest].data, &m); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, a := range m.Artefacts {
			got[a.SHA256] = a.Exhibit
		}
		return got
	}
	full := exhibits(tc.options(filepath.Join(dir, "full")))
	for i, name := range []string{"auth.log", "access.log", "notes.bin"} { // the order newTestCase preserves them in
		if want := fmt.Sprintf("E%d", i+1); full[tc.arts[name].Hex()] != want {
			t.Fatalf("%s is %s in the full package, want %s (%v)", name, full[tc.arts[name].Hex()], want, full)
		}
	}
	o := tc.options(filepath.Join(dir, "one"))
	o.Artefacts = []evidence.Digest{tc.arts["access.log"]}
	one := exhibits(o)
	if len(one) != 1 || one[tc.arts["access.log"].Hex()] != full[tc.arts["access.log"].Hex()] {
		t.Fatalf("selective package numbers %v, full %v", one, full)
	}
}
