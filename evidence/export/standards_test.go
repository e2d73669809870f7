package export

import (
	"bufio"
	"context"
	"encoding/json"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence/export/stixtest"
	"github.com/casefile/casefile/evidence/sampledata"
)

func buildDir(t *testing.T) (*testCase, *reader) {
	t.Helper()
	tc := newTestCase(t)
	out := filepath.Join(t.TempDir(), "pkg")
	build(t, tc, tc.options(out))
	pk, err := readPackage(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	return tc, pk
}

// TestSTIXSchemas validates stix-bundle.json against the OASIS STIX 2.1
// JSON schemas (stixtest.Validate: the bundle, every object against the
// schema of its type, every reference), and checks what it says of the
// relay.
func TestSTIXSchemas(t *testing.T) {
	_, pk := buildDir(t)
	objs := stixtest.Validate(t, pk.files["stix-bundle.json"].data)
	count := map[string]int{}
	for _, o := range objs {
		typ := o["type"].(string)
		count[typ]++
		if typ != "marking-definition" {
			refs, _ := o["object_marking_refs"].([]any)
			if len(refs) != 1 || refs[0] != "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82" {
				t.Fatalf("%s lacks the TLP:AMBER marking: %v", o["id"], refs)
			}
		}
		if typ == "indicator" && o["name"] == "185.220.101.4" {
			if o["confidence"] != float64(85) || o["indicator_types"].([]any)[0] != "anonymization" || o["pattern"] != "[ipv4-addr:value = '185.220.101.4']" {
				t.Fatalf("indicator: %v", o)
			}
		}
		if typ == "infrastructure" && strings.HasPrefix(o["name"].(string), "185.220.101.4") && o["infrastructure_types"].([]any)[0] != "anonymization" {
			t.Fatalf("infrastructure: %v", o)
		}
	}
	want := map[string]int{"marking-definition": 1, "identity": 1, "file": 3, "ipv4-addr": 2, "infrastructure": 2, "indicator": 2, "relationship": 4, "note": 2}
	for k, n := range want {
		if count[k] != n {
			t.Fatalf("%d %s objects, want %d (all: %v)", count[k], k, n, count)
		}
	}
	if math.Round(100*0.71) != 71 {
		t.Fatal("arithmetic")
	}
}

// ontology reads the CASE/UCO ttl files: the IRIs of every class and
// property they define (a subject at the start of a line whose block says
// it is an owl:Class, owl:DatatypeProperty or owl:ObjectProperty).
func ontology(t *testing.T) map[string]bool {
	root := sampledata.Path(t, "case-uco-ontology")
	defined := map[string]bool{}
	prefixRE := regexp.MustCompile(`^@prefix\s+([A-Za-z][\w-]*):\s+<([^>]+)>\s*\.`)
	subjRE := regexp.MustCompile(`^([A-Za-z][\w-]*):([A-Za-z][\w.-]*)\s*$`)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".ttl") {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		prefixes := map[string]string{}
		subject := ""
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			l := sc.Text()
			if m := prefixRE.FindStringSubmatch(l); m != nil {
				prefixes[m[1]] = m[2]
				continue
			}
			if m := subjRE.FindStringSubmatch(l); m != nil {
				subject = ""
				if ns, ok := prefixes[m[1]]; ok {
					subject = ns + m[2]
				}
				continue
			}
			if strings.TrimSpace(l) == "." {
				subject = ""
				continue
			}
			if subject != "" && (strings.Contains(l, "owl:Class") || strings.Contains(l, "owl:DatatypeProperty") || strings.Contains(l, "owl:ObjectProperty")) {
				defined[subject] = true
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, iri := range []string{
		"https://ontology.caseontology.org/case/investigation/InvestigativeAction",
		"https://ontology.unifiedcyberontology.org/uco/core/hasFacet",
		"https://ontology.unifiedcyberontology.org/uco/observable/File",
	} {
		if !defined[iri] {
			t.Fatalf("ontology scan missed %s (%d IRIs found)", iri, len(defined))
		}
	}
	if defined["https://ontology.unifiedcyberontology.org/uco/observable/NoSuchThing"] {
		t.Fatal("scan invents IRIs")
	}
	return defined
}

// exampleShapes collects, per class, the properties the CASE examples use
// on nodes of that class.
func exampleShapes(t *testing.T) map[string]map[string]bool {
	shapes := map[string]map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			var types []string
			switch ty := x["@type"].(type) {
			case string:
				types = []string{ty}
			case []any:
				for _, y := range ty {
					s, _ := y.(string)
					types = append(types, s)
				}
			}
			for _, ty := range types {
				if shapes[ty] == nil {
					shapes[ty] = map[string]bool{}
				}
				for k := range x {
					shapes[ty][k] = true
				}
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	for _, name := range []string{"forensic_lifecycle", "Oresteia", "network_connection", "exif_data"} {
		raw, err := os.ReadFile(sampledata.Path(t, "case-examples", name, name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		walk(doc)
	}
	return shapes
}

// TestCASEJSONLD checks case.jsonld: valid JSON with a context mapping
// every prefix used; every class and property IRI defined in CASE/UCO
// 1.4; no dangling node references; the structure of the CASE examples
// (the properties used on each class are ones the examples use on it).
func TestCASEJSONLD(t *testing.T) {
	defined := ontology(t)
	shapes := exampleShapes(t)
	tc, pk := buildDir(t)
	var doc struct {
		Context map[string]string `json:"@context"`
		Graph   []map[string]any  `json:"@graph"`
	}
	if err := json.Unmarshal(pk.files["case.jsonld"].data, &doc); err != nil {
		t.Fatal(err)
	}
	expand := func(term string) string {
		p, local, ok := strings.Cut(term, ":")
		ns, known := doc.Context[p]
		if !ok || !known {
			t.Fatalf("term %q uses a prefix the context does not map", term)
		}
		return ns + local
	}
	ids := map[string]map[string]any{}
	byType := map[string][]map[string]any{}
	// Properties the examples happen not to use on these classes but that
	// CASE/UCO 1.4 defines for them: UcoObject's name and description,
	// Investigation's investigationForm (sh:in "case"), and an Annotation's
	// statement (it is an Assertion).
	generic := map[string]bool{"uco-core:description": true, "uco-core:name": true,
		"case-investigation:investigationForm": true, "uco-core:statement": true}
	var refsSeen []string
	var walk func(v any, top bool)
	walk = func(v any, top bool) {
		switch x := v.(type) {
		case map[string]any:
			if _, lit := x["@value"]; lit {
				if dt, _ := x["@type"].(string); !strings.HasPrefix(dt, "xsd:") {
					t.Fatalf("literal with datatype %q", dt)
				}
				return
			}
			id, _ := x["@id"].(string)
			if len(x) == 1 && id != "" {
				refsSeen = append(refsSeen, id)
				return
			}
			if id == "" {
				t.Fatalf("node without @id: %v", x)
			}
			expand(id)
			ids[id] = x
			ty, _ := x["@type"].(string)
			if !defined[expand(ty)] {
				t.Fatalf("class %s (%s) is not in CASE/UCO 1.4", ty, expand(ty))
			}
			byType[ty] = append(byType[ty], x)
			for k, y := range x {
				if strings.HasPrefix(k, "@") {
					continue
				}
				if !defined[expand(k)] {
					t.Fatalf("property %s is not in CASE/UCO 1.4", k)
				}
				if ex := shapes[ty]; ex != nil && !ex[k] && !generic[k] {
					t.Errorf("%s uses %s, which no CASE example uses on %s", ty, k, ty)
				}
				walk(y, false)
			}
		case []any:
			for _, y := range x {
				walk(y, false)
			}
		}
	}
	var g any
	raw, _ := json.Marshal(doc.Graph)
	json.Unmarshal(raw, &g)
	walk(g, true)
	for _, r := range refsSeen {
		if ids[r] == nil {
			t.Fatalf("dangling reference %s", r)
		}
	}
	if n := len(byType["case-investigation:InvestigativeAction"]); n != 10 { // 8 entries, the export, the assessment
		t.Fatalf("%d InvestigativeActions", n)
	}
	for _, a := range byType["case-investigation:InvestigativeAction"] {
		for _, k := range []string{"uco-action:performer", "uco-action:instrument", "uco-action:startTime", "uco-action:object", "uco-action:result"} {
			if _, ok := a[k]; !ok {
				t.Fatalf("action %s lacks %s", a["@id"], k)
			}
		}
	}
	prs := byType["case-investigation:ProvenanceRecord"]
	if len(prs) != 3 {
		t.Fatalf("%d provenance records", len(prs))
	}
	for _, pr := range prs {
		file := ids[pr["uco-core:object"].([]any)[0].(map[string]any)["@id"].(string)]
		found := false
		for _, f := range file["uco-core:hasFacet"].([]any) {
			fm := f.(map[string]any)
			if fm["@type"] != "uco-observable:ContentDataFacet" {
				continue
			}
			for _, h := range fm["uco-observable:hash"].([]any) {
				hm := h.(map[string]any)
				v := hm["uco-types:hashValue"].(map[string]any)["@value"]
				if hm["uco-types:hashMethod"] == "SHA256" && strings.HasSuffix(file["@id"].(string), v.(string)) {
					found = true
				}
			}
		}
		if !found {
			t.Fatalf("exhibit %s has no SHA-256", pr["case-investigation:exhibitNumber"])
		}
	}
	if len(byType["uco-core:Relationship"]) != 2 || len(byType["uco-core:Annotation"]) != 2 || len(byType["case-investigation:Authorization"]) != 1 {
		t.Fatalf("assessment/authorization nodes: %d %d %d", len(byType["uco-core:Relationship"]), len(byType["uco-core:Annotation"]), len(byType["case-investigation:Authorization"]))
	}
	_ = tc
}
