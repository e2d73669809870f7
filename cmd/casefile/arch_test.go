package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestArchitecture guards the "never imports" column of ARCHITECTURE.md,
// the one-package-per-dependency rule of STYLE.md, and keeps test-only
// packages out of the tool.
func TestArchitecture(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not on PATH")
	}
	const mod = "github.com/casefile/casefile/"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}|{{join .Deps " "}}|{{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}`, mod+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	if b, err := exec.Command("go", "list", "-deps", mod+"enrich/indicator").Output(); err != nil || strings.Count(string(b), mod) != 1 {
		t.Errorf("enrich/indicator must depend on no other package of the module: %v\n%s", err, b)
	}
	never := map[string][]string{
		mod + "evidence": {mod + "graph", mod + "enrich", mod + "ui"},
		mod + "enrich":   {mod + "graph", mod + "ui"},
		mod + "graph":    {mod + "ui"},
	}
	// shared is the one enrich package evidence's parsers and export may
	// use (it depends on nothing else of enrich; checked below).
	const shared = mod + "enrich/indicator"
	// storeedit plays an attacker on a store's files for tests: the tool
	// must not carry it, and so it is the one exception to Badger's owner.
	const storeedit = mod + "evidence/badgerstore/storeedit"
	only := map[string][]string{ // third-party module → the packages that may import it
		"github.com/dgraph-io/badger/v4":       {mod + "evidence/badgerstore"},
		"github.com/oschwald/geoip2-golang/v2": {mod + "enrich/geoip"},
		"github.com/likexian/whois":            {mod + "enrich/whois"},
		"github.com/openrdap/rdap":             {mod + "enrich/rdap"},
		"github.com/sigstore/sigstore":         {mod + "evidence/keys"},
		"github.com/gorilla/mux":               {mod + "ui"},
		"github.com/chromedp/chromedp":         {mod + "ui"},
		"filippo.io/torchwood":                 {mod + "evidence/witness", mod + "evidence/s3blobs"}, // tlog-tiles: cosignatures; the published log
		"github.com/minio/minio-go/v7":         {mod + "evidence/s3blobs", mod + "evidence/s3blobs/s3test"},
		"gopkg.in/yaml.v3":                     {mod + "graph/sigma"},
		"github.com/yuin/goldmark":             {mod + "evidence/annotate/mdhtml"},
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.SplitN(line, "|", 3)
		pkg, deps, imports := parts[0], strings.Fields(parts[1]), strings.Fields(parts[2])
		if slices.Contains(deps, storeedit) {
			t.Errorf("%s depends on %s, which is for tests only", pkg, storeedit)
		}
		for root, bad := range never {
			if pkg != root && !strings.HasPrefix(pkg, root+"/") {
				continue
			}
			for _, d := range deps {
				if root == mod+"evidence" && d == shared {
					continue // indicator extraction is the one enrich package the parsers and the export share
				}
				for _, b := range bad {
					if d == b || strings.HasPrefix(d, b+"/") {
						t.Errorf("%s depends on %s", pkg, d)
					}
				}
			}
		}
		for _, imp := range imports {
			for dep, owners := range only {
				if (imp == dep || strings.HasPrefix(imp, dep+"/")) && !slices.Contains(owners, pkg) && !(pkg == storeedit && owners[0] == mod+"evidence/badgerstore") {
					t.Errorf("%s imports %s; only %s may", pkg, imp, strings.Join(owners, ", "))
				}
			}
		}
	}
}
