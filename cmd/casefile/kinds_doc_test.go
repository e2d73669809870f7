package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEntryKindsDocumented keeps the table of entry kinds in evidence's
// package doc (the format specification) complete: every kind constant
// declared in the module, Kind… = "x.y", must have its row there.
func TestEntryKindsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../evidence/doc.go")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]bool{}
	for _, l := range strings.Split(string(doc), "\n") {
		if f := strings.Fields(strings.TrimPrefix(l, "//")); len(f) >= 3 && strings.Contains(f[0], ".") {
			rows[f[0]] = true
		}
	}
	decl := regexp.MustCompile(`(?m)^\s*(?:const\s+)?[Kk]ind[A-Z]\w*\s*=\s*"([a-z_]+\.[a-z_.]+)"`)
	found := 0
	err = filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "../.." {
			return fs.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range decl.FindAllStringSubmatch(string(src), -1) {
			found++
			if !rows[m[1]] {
				t.Errorf("%s declares entry kind %q, which the table of evidence/doc.go does not list", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 15 {
		t.Fatalf("found only %d kind constants: the pattern no longer matches the code", found)
	}
}
