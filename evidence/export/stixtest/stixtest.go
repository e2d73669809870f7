// Package stixtest validates STIX 2.1 bundles against the OASIS STIX 2.1
// JSON schemas of the shared samples, for the tests of every package that
// writes one (the export package's stix-bundle.json, notify's bundle of
// the shared selection): one loader and one set of checks.
package stixtest

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/casefile/casefile/evidence/sampledata"
)

// Schemas loads the OASIS STIX 2.1 JSON schemas (registry keyed by $id):
// the compiler, each schema's $id by its file name ("indicator",
// "bundle"), and the schemas' root directory.
func Schemas(t testing.TB) (*jsonschema.Compiler, map[string]string, string) {
	t.Helper()
	root := sampledata.Path(t, "stix2-json-schemas", "schemas")
	c := jsonschema.NewCompiler()
	byName := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			return err
		}
		id, _ := doc.(map[string]any)["$id"].(string)
		if id == "" {
			t.Fatalf("%s has no $id", p)
		}
		byName[strings.TrimSuffix(filepath.Base(p), ".json")] = id
		return c.AddResource(id, doc)
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, byName, root
}

// Validate checks a bundle: every object against the schema of its type,
// the bundle against bundle.json, and every reference to an object
// (source_ref, target_ref, created_by_ref, object_marking_refs,
// object_refs) against the bundle's ids. It returns the objects.
//
// The OASIS bundle.json lists the object types it accepts, and its list
// lacks note (and opinion): a note then falls to the "custom object"
// branch, which it cannot pass. Each note is validated against note.json;
// the bundle is validated without them, and in full as soon as bundle.json
// lists note.
func Validate(t testing.TB, raw []byte) []map[string]any {
	t.Helper()
	c, byName, root := Schemas(t)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, o := range b.Objects {
		typ, _ := o["type"].(string)
		ids[o["id"].(string)] = true
		sch, err := c.Compile(byName[typ])
		if err != nil {
			t.Fatalf("schema for %s: %v", typ, err)
		}
		ob, _ := json.Marshal(o)
		v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(ob))
		if err := sch.Validate(v); err != nil {
			t.Fatalf("%s %s: %v", typ, o["id"], err)
		}
	}
	bs, err := c.Compile(byName["bundle"])
	if err != nil {
		t.Fatal(err)
	}
	bundleSchema, _ := os.ReadFile(filepath.Join(root, "common", "bundle.json"))
	if !bytes.Contains(bundleSchema, []byte("../sdos/note.json")) {
		m := inst.(map[string]any)
		var kept []any
		for _, o := range m["objects"].([]any) {
			if o.(map[string]any)["type"] != "note" {
				kept = append(kept, o)
			}
		}
		m["objects"] = kept
	}
	if err := bs.Validate(inst); err != nil {
		t.Fatalf("bundle: %v", err)
	}
	for _, o := range b.Objects {
		var refs []string
		for _, k := range []string{"source_ref", "target_ref", "created_by_ref"} {
			if r, ok := o[k].(string); ok {
				refs = append(refs, r)
			}
		}
		for _, k := range []string{"object_marking_refs", "object_refs"} {
			l, _ := o[k].([]any)
			for _, r := range l {
				refs = append(refs, r.(string))
			}
		}
		for _, r := range refs {
			if !ids[r] {
				t.Fatalf("%s: dangling reference %s", o["id"], r)
			}
		}
	}
	return b.Objects
}

// Named is what a bundle's objects name as indicators, sorted: the name
// of every indicator, and the value of every observable that observed
// data reports (a source shown without an indicator).
func Named(objs []map[string]any) []string {
	byID := map[string]map[string]any{}
	for _, o := range objs {
		byID[o["id"].(string)] = o
	}
	seen := map[string]bool{}
	for _, o := range objs {
		switch o["type"] {
		case "indicator":
			seen[o["name"].(string)] = true
		case "observed-data":
			refs, _ := o["object_refs"].([]any)
			for _, r := range refs {
				if v, ok := byID[r.(string)]["value"].(string); ok {
					seen[v] = true
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}
