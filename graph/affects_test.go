package graph

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"testing"
)

// AffectsAssessment names exactly the entry kinds readFacts reads: a kind
// added there and not here would let the workbench call a stale
// assessment recorded.
func TestAffectsAssessmentFollowsReadFacts(t *testing.T) {
	fs := token.NewFileSet()
	f, err := parser.ParseFile(fs, "assess.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var read []string
	ast.Inspect(f, func(n ast.Node) bool {
		fn, ok := n.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "readFacts" {
			return true
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			if cc, ok := n.(*ast.CaseClause); ok {
				for _, e := range cc.List {
					switch x := e.(type) {
					case *ast.SelectorExpr:
						read = append(read, x.X.(*ast.Ident).Name+"."+x.Sel.Name)
					case *ast.Ident:
						read = append(read, x.Name)
					}
				}
			}
			return true
		})
		return false
	})
	values := map[string]string{"evidence.KindArtefactIngested": "artefact.ingested", "KindOverride": KindOverride,
		"eventstore.KindEventsParsed": "events.parsed", "observe.KindObservations": "observations.recorded"}
	if len(read) == 0 {
		t.Fatal("readFacts reads no kinds?")
	}
	for _, name := range read {
		v, ok := values[name]
		if !ok {
			t.Errorf("readFacts reads %s: add it to AffectsAssessment (and to this test)", name)
			continue
		}
		if !AffectsAssessment(v) {
			t.Errorf("AffectsAssessment(%q) is false, but readFacts reads it", v)
		}
	}
	for name, v := range values {
		if !slices.Contains(read, name) && AffectsAssessment(v) {
			t.Errorf("AffectsAssessment(%q) but readFacts no longer reads it", v)
		}
	}
	for _, k := range []string{"view.saved", "assessment.recorded", "evidence.viewed", "user.login", "dataset.failed"} {
		if AffectsAssessment(k) {
			t.Errorf("%s does not change an assessment", k)
		}
	}
}
