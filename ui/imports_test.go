package ui

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestImports guards ARCHITECTURE.md: ui never touches the storage engine
// directly, and gorilla/mux stays behind this package.
func TestImports(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, f := range files {
		ast, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			if p := strings.Trim(imp.Path.Value, `"`); strings.Contains(p, "badger") {
				t.Errorf("%s imports %s", f, p)
			}
		}
	}
}
