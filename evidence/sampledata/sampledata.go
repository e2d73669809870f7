// Package sampledata finds the real public samples (../shared/data beside the
// repository) for tests, and skips a test loudly when they are absent.
package sampledata

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the shared data directory, or "" when it cannot be found.
// CASEFILE_SAMPLES overrides the search.
func Dir() string {
	if d := os.Getenv("CASEFILE_SAMPLES"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			cand := filepath.Join(filepath.Dir(d), "shared", "data")
			if st, err := os.Stat(cand); err == nil && st.IsDir() {
				return cand
			}
			return ""
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// Path returns the path of a sample below the shared data directory, joined
// from elems, or skips t with a message saying what is missing.
func Path(t testing.TB, elems ...string) string {
	t.Helper()
	d := Dir()
	if d == "" {
		t.Skip("SKIPPED: real samples not found (../shared/data beside the repository, or CASEFILE_SAMPLES); this test needs them")
	}
	p := filepath.Join(append([]string{d}, elems...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("SKIPPED: sample %s is missing: %v", p, err)
	}
	return p
}
