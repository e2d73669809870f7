package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/sampledata"
)

// The store-flip tests damage one byte of one file of a small case's store
// (every Badger file, every pack) and run 'casefile verify' on it: it must
// exit 1 with a JSON report, never 0, never 3, never panic. The only bytes
// allowed to change unnoticed are those that carry no evidence, listed in
// noEvidence with the reason.

// buildFlipCase builds the small case every flip copies: a real log (when
// the samples are present) parsed into events, and a real dataset recorded
// as observations.
func buildFlipCase(tb testing.TB) (dir string, files []string) {
	tb.Helper()
	work := tb.TempDir()
	dir = filepath.Join(work, "case")
	env := map[string]string{"CASEFILE_PASSPHRASE": "store flip passphrase", "CASEFILE_EXAMINER": "F <f@example.org>", "CASEFILE_CASE": dir}
	logf := filepath.Join(work, "auth.log")
	tor := ""
	if d := sampledata.Dir(); d != "" {
		logf = filepath.Join(d, "loghub", "OpenSSH", "OpenSSH_2k.log")
		tor = filepath.Join(d, "tor-exit-list", "exit-addresses")
	} else {
		tb.Log("real samples not found: the flipped case holds a small generated log")
		os.WriteFile(logf, []byte(authLog), 0o644)
	}
	steps := [][]string{{"init", "--title", "store flip"}, {"ingest", "--year", "2026", logf}}
	if tor != "" {
		steps = append(steps, []string{"enrich", "--tor-exits", tor})
	}
	for _, args := range steps {
		var out bytes.Buffer
		if code := run(context.Background(), args, stdio{in: strings.NewReader(""), out: &out, err: &out}, func(k string) string { return env[k] }); code != 0 {
			tb.Fatalf("casefile %s: exit %d: %s", strings.Join(args, " "), code, out.String())
		}
	}
	err := filepath.WalkDir(filepath.Join(dir, "store"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, rel)
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(files)
	return dir, files
}

// noEvidence says why a byte may change without verify noticing, or "".
func noEvidence(rel string, off int64) string {
	switch {
	case filepath.Base(rel) == "DISCARD":
		return "value-log garbage-collection statistics, never read by a read-only open"
	case filepath.Base(rel) == "KEYREGISTRY" && off < 16:
		return "the key registry's IV, used only for encryption, which Casefile does not enable (the sanity text after it is checked)"
	case strings.HasSuffix(rel, ".vlog") && off >= 8 && off < 20:
		return "the base IV of a value log's header, used only for encryption, which Casefile does not enable"
	}
	return ""
}

func copyTree(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// flipAndVerify flips mask at off in file rel of a copy of the case and
// checks verify's verdict. It returns the exit code.
func flipAndVerify(t testing.TB, tmpl, rel string, off int64, mask byte) int {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "case")
	copyTree(t, tmpl, dir)
	p := filepath.Join(dir, rel)
	b, err := os.ReadFile(p)
	if err != nil || len(b) == 0 {
		t.Skipf("%s: empty or unreadable", rel)
	}
	off %= int64(len(b))
	b[off] ^= mask
	os.WriteFile(p, b, 0o600)
	var out, errb bytes.Buffer
	env := map[string]string{"CASEFILE_CASE": dir}
	code := run(context.Background(), []string{"verify", "--json"}, stdio{in: strings.NewReader(""), out: &out, err: &errb}, func(k string) string { return env[k] })
	what := fmt.Sprintf("%s byte %d ^ %#02x", rel, off, mask)
	switch code {
	case exitVerify:
		var r struct {
			OK       *bool
			Problems []struct{ Kind string }
		}
		if err := json.Unmarshal(out.Bytes(), &r); err != nil || r.OK == nil || *r.OK || len(r.Problems) == 0 {
			t.Fatalf("%s: exit 1 without a JSON report of problems: %v\n%s", what, err, out.String())
		}
	case exitOK:
		if why := noEvidence(rel, off); why == "" {
			t.Fatalf("%s: verify says intact (exit 0)\n%s", what, out.String())
		}
	default:
		t.Fatalf("%s: exit %d, want 1\nstdout: %s\nstderr: %s", what, code, out.String(), errb.String())
	}
	return code
}

// FuzzStoreFlip flips any byte of any store file (go test -fuzz FuzzStoreFlip).
func FuzzStoreFlip(f *testing.F) {
	tmpl, files := buildFlipCase(f)
	for i := range files {
		f.Add(uint8(i), uint32(0), byte(1))
		f.Add(uint8(i), uint32(4096), byte(0x80))
	}
	f.Fuzz(func(t *testing.T, file uint8, off uint32, mask byte) {
		if mask == 0 {
			mask = 1
		}
		flipAndVerify(t, tmpl, files[int(file)%len(files)], int64(off), mask)
	})
}

// TestStoreFlipsSeeded runs a bounded, deterministic number of flips over
// every store file, round robin, so that CI exercises FuzzStoreFlip.
func TestStoreFlipsSeeded(t *testing.T) {
	tmpl, files := buildFlipCase(t)
	rng := rand.New(rand.NewPCG(11, 2026))
	budget := 40 * time.Second
	if testing.Short() {
		budget = 15 * time.Second
	}
	start := time.Now()
	counts := map[int]int{}
	n := 0
	for ; time.Since(start) < budget && n < 2000; n++ {
		rel := files[n%len(files)]
		mask := byte(1 << rng.IntN(8))
		counts[flipAndVerify(t, tmpl, rel, rng.Int64N(1<<40), mask)]++
	}
	if n < 2*len(files) {
		t.Fatalf("only %d flips in %v: every file should see at least two", n, budget)
	}
	t.Logf("%d flips over %d store files: %d found (exit 1), %d in bytes that carry no evidence", n, len(files), counts[exitVerify], counts[exitOK])
}
