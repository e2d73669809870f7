package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/*.golden.json")

// TestExplanationGolden: the explanation graph (graph --format json
// --source) of one Tor relay and of the compromised university host of the
// demo case, a case generated from a fixed seed. The WHOIS answers are
// served on a random port, which the source names carry; it is blanked.
// The demo enriches with its datasets concurrently, so custody entry
// numbers differ between runs: each is renumbered by what it records.
func TestExplanationGolden(t *testing.T) {
	dir := t.TempDir()
	c := newCLI(t)
	out := c.must("demo", "--dir", filepath.Join(dir, "demo"))
	m := regexp.MustCompile(`CASEFILE_PASSPHRASE=(\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the demo printed no passphrase:\n%s", out)
	}
	c.env["CASEFILE_PASSPHRASE"] = m[1]
	c.env["CASEFILE_CASE"] = filepath.Join(dir, "demo", "case")
	port := regexp.MustCompile(`127\.0\.0\.1:\d+`)
	for name, src := range map[string]string{"relay": "37.160.102.29", "compromised": "151.89.24.171"} {
		got := c.must("graph", "--format", "json", "--source", src)
		var v struct {
			Version string
			Nodes   []struct{ Kind string }
		}
		if err := json.Unmarshal([]byte(got), &v); err != nil || v.Version != "casefile-explanation/1" {
			t.Fatalf("%s: %v, version %q", name, err, v.Version)
		}
		norm, err := stableEntries(port.ReplaceAllString(got, "127.0.0.1:PORT"))
		if err != nil {
			t.Fatal(err)
		}
		var pretty bytes.Buffer
		json.Indent(&pretty, norm, "", " ")
		path := filepath.Join("testdata", "explain-"+name+".golden.json")
		if *updateGolden {
			if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(pretty.Bytes(), want) {
			t.Errorf("%s differs from the golden file (run with -update after checking):\n%s", path, pretty.Bytes())
		}
	}
	if code, _, e := c.run("graph", "--format", "json", "--source", "192.0.2.99"); code != 2 || !bytes.Contains([]byte(e), []byte("no assessed source")) {
		t.Errorf("an unknown source: exit %d\n%s", code, e)
	}
}

// stableEntries renames each "entry:N" of an explanation graph after the
// order of the entries' labels without their numbers (what they record),
// then sorts nodes and edges again, so that the JSON no longer depends on
// the order in which the demo's concurrent steps were logged.
func stableEntries(js string) ([]byte, error) {
	var g struct {
		Version string           `json:"version"`
		Source  string           `json:"source"`
		Nodes   []map[string]any `json:"nodes"`
		Edges   []map[string]any `json:"edges"`
	}
	if err := json.Unmarshal([]byte(js), &g); err != nil {
		return nil, err
	}
	num := regexp.MustCompile(`^custody entry #\d+: `)
	type ent struct{ id, what string }
	var ents []ent
	for _, n := range g.Nodes {
		if n["kind"] == "entry" {
			ents = append(ents, ent{n["id"].(string), num.ReplaceAllString(n["label"].(string), "")})
		}
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].what < ents[j].what })
	var pairs []string
	for i, e := range ents {
		n := strings.TrimPrefix(e.id, "entry:")
		pairs = append(pairs, `"entry:`+n+`"`, `"entry:E`+strconv.Itoa(i+1)+`"`, "custody entry #"+n+":", "custody entry #E"+strconv.Itoa(i+1)+":")
	}
	b, _ := json.Marshal(g)
	b = []byte(strings.NewReplacer(pairs...).Replace(string(b)))
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, err
	}
	sort.Slice(g.Nodes, func(i, j int) bool { return g.Nodes[i]["id"].(string) < g.Nodes[j]["id"].(string) })
	key := func(e map[string]any) string {
		return e["from"].(string) + "\x00" + e["to"].(string) + "\x00" + e["kind"].(string)
	}
	sort.Slice(g.Edges, func(i, j int) bool { return key(g.Edges[i]) < key(g.Edges[j]) })
	for _, n := range g.Nodes {
		if c, ok := n["cites"].([]any); ok {
			sort.Slice(c, func(i, j int) bool { return c[i].(string) < c[j].(string) })
		}
	}
	for _, e := range g.Edges {
		if c, ok := e["cites"].([]any); ok {
			sort.Slice(c, func(i, j int) bool { return c[i].(string) < c[j].(string) })
		}
	}
	return json.Marshal(g)
}
