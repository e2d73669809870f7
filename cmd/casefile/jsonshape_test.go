package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// jsonShape is the script command
//
//	jsonshape [-lines] FILE PATH:TYPE…
//
// which checks that the JSON in FILE (stdout, stderr or a file; with
// -lines every line of it) has each PATH with a value of TYPE (string,
// number, bool, object, array, null, or several joined by |). A PATH is
// member names joined by dots; NAME[] steps into every element of an
// array, which must not be empty. CLI.md's shapes may gain members, never
// lose or retype one: that is what it asserts.
func jsonShape(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! jsonshape")
	}
	lines := len(args) > 0 && args[0] == "-lines"
	if lines {
		args = args[1:]
	}
	if len(args) < 2 {
		ts.Fatalf("usage: jsonshape [-lines] FILE PATH:TYPE…")
	}
	data := []byte(ts.ReadFile(args[0]))
	docs := [][]byte{data}
	if lines {
		docs = bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	}
	if len(docs) == 0 || len(bytes.TrimSpace(docs[0])) == 0 {
		ts.Fatalf("%s holds no JSON", args[0])
	}
	for i, doc := range docs {
		var v any
		if err := json.Unmarshal(doc, &v); err != nil {
			ts.Fatalf("%s (document %d): %v", args[0], i+1, err)
		}
		for _, spec := range args[1:] {
			path, types, ok := strings.Cut(spec, ":")
			if !ok {
				ts.Fatalf("spec %q: want PATH:TYPE", spec)
			}
			if err := checkShape(v, strings.Split(path, "."), strings.Split(types, "|")); err != nil {
				ts.Fatalf("%s (document %d): %s: %v", args[0], i+1, path, err)
			}
		}
	}
}

func checkShape(v any, path, types []string) error {
	if len(path) == 0 {
		t := jsonType(v)
		for _, want := range types {
			if t == want {
				return nil
			}
		}
		return fmt.Errorf("is %s, want %s", t, strings.Join(types, " or "))
	}
	name, each := strings.CutSuffix(path[0], "[]")
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: parent is %s, not an object", name, jsonType(v))
	}
	child, ok := obj[name]
	if !ok {
		return fmt.Errorf("member %q is missing", name)
	}
	if !each {
		return checkShape(child, path[1:], types)
	}
	arr, ok := child.([]any)
	if !ok || len(arr) == 0 {
		return fmt.Errorf("%s is %s, want a non-empty array", name, jsonType(child))
	}
	for i, el := range arr {
		if err := checkShape(el, path[1:], types); err != nil {
			return fmt.Errorf("%s[%d]: %w", name, i, err)
		}
	}
	return nil
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
