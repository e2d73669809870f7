package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/geoip/geoiptest"
	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/memstore"
	"github.com/casefile/casefile/evidence/resultleaves"
	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/attrib"
)

const authLog = `Nov 20 09:02:19 web01 sshd[31002]: Failed password for root from 185.220.101.4 port 55335 ssh2
Nov 20 09:02:22 web01 sshd[31003]: Failed password for admin from 185.220.101.4 port 57812 ssh2
Nov 20 09:20:00 web01 sshd[31099]: Accepted publickey for deploy from 89.160.20.130 port 51514 ssh2: RSA SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s
Nov 20 09:25:00 web01 sshd[31199]: Accepted publickey for deploy from 89.160.20.131 port 51514 ssh2: RSA SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s
`

func testCase(t *testing.T) *evidence.Case {
	t.Helper()
	ctx := context.Background()
	c, err := memstore.NewCase(ctx, "T", "T")
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Ingest(ctx, strings.NewReader(authLog), evidence.ArtefactMeta{Name: "auth.log"}, evidence.IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := eventstore.New(c).Parse(ctx, res.Digest, eventstore.ParseOptions{Year: 2026}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	geoiptest.WriteAnonymousIP(&buf, []geoiptest.AnonymousIPRecord{{Network: "185.220.101.0/24", Anonymous: true, TorExitNode: true}}, 1795046400)
	p := filepath.Join(t.TempDir(), "GeoIP2-Anonymous-IP.mmdb")
	os.WriteFile(p, buf.Bytes(), 0o644)
	if _, err := observe.Run(ctx, c, observe.Options{Datasets: []observe.DatasetFile{{Path: p, Want: enrich.TypeMMDB}}}); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAssessAndRecord(t *testing.T) {
	c := testCase(t)
	ctx := context.Background()
	size := c.Log().Size()
	res, err := graph.Assess(ctx, c, attrib.DefaultModel(), nil)
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]string{}
	for _, s := range res.Sources {
		roles[s.Indicator] = s.Role
	}
	if roles["185.220.101.4"] != "anonymization-relay" {
		t.Fatalf("Tor-flagged source: %v", roles)
	}
	// Evidence cites the custody entry that preserved the dataset.
	var cited bool
	for _, s := range res.Sources {
		for _, f := range s.Factors {
			for _, e := range f.Evidence {
				if strings.HasPrefix(e, "entry:") {
					cited = true
				}
			}
		}
	}
	if !cited {
		t.Fatal("no factor cites a custody entry")
	}
	e, err := graph.Record(ctx, c, res, size, nil, "T")
	if err != nil {
		t.Fatal(err)
	}
	var p graph.AssessmentPayload
	e.DecodePayload(&p)
	root, leaves, err := graph.ResultRoot(res)
	if err != nil {
		t.Fatal(err)
	}
	if p.TreeSize != size || p.ResultRoot != root || p.ModelDigest != attrib.DefaultModel().Digest() || p.Sources != len(res.Sources) || len(leaves) != p.Sources {
		t.Fatalf("assessment entry: %+v", p)
	}
	// The entry says nothing of any source: no totals per role, no
	// indicator, no whole-result digest.
	if p.Roles != nil || p.Digest != "" || strings.Contains(string(e.Payload), "anonymization") || strings.Contains(string(e.Payload), "185.220.101.4") {
		t.Fatalf("the assessment entry speaks of sources: %s", e.Payload)
	}
	// Each source's leaf is proven against the recorded root on its own.
	tree, _ := evidence.NewLeafTree(leaves)
	r, _ := evidence.ParseRoot(p.ResultRoot)
	prev := ""
	for i, l := range leaves {
		pr, err := tree.Proof(uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		if err := evidence.CheckLeaf(pr, uint64(p.Sources), r, uint64(i), l); err != nil {
			t.Fatalf("leaf %d: %v", i, err)
		}
		var cur struct{ Indicator string }
		json.Unmarshal(l, &cur)
		if i > 0 && cur.Indicator <= prev {
			t.Fatal("leaves are not sorted by indicator")
		}
		prev = cur.Indicator
	}
	// The leaves are kept beside the log, and the entry says so.
	kept, err := resultleaves.Read(c, p.ResultRoot)
	if err != nil || !p.LeavesKept || len(kept) != len(leaves) || !bytes.Equal(bytes.Join(kept, []byte("\n")), bytes.Join(leaves, []byte("\n"))) {
		t.Fatalf("kept leaves: %d of %d (leaves_kept %v), %v", len(kept), len(leaves), p.LeavesKept, err)
	}
	// Assessing the same state again gives the same root.
	res2, _ := graph.Assess(ctx, c, attrib.DefaultModel(), nil)
	if r2, _, _ := graph.ResultRoot(res2); r2 != root {
		t.Fatal("assessment is not deterministic")
	}
}

func TestBuildAndWrite(t *testing.T) {
	c := testCase(t)
	ctx := context.Background()
	res, err := graph.Assess(ctx, c, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := graph.Build(ctx, c, res)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, n := range g.Nodes {
		kinds[n.Kind]++
		if n.Why == "" {
			t.Errorf("node %s does not say why it is there", n.ID)
		}
		if len(n.Cites) == 0 && n.Kind != "campaign" {
			t.Errorf("node %s (%s) cites nothing it rests on", n.ID, n.Kind)
		}
	}
	for _, k := range []string{"artefact", "dataset", "events", "ip", "user", "ssh-key", "observation", "hypothesis", "network"} {
		if kinds[k] == 0 {
			t.Errorf("no %s node: %v", k, kinds)
		}
	}
	edges := map[string]int{}
	for _, e := range g.Edges {
		edges[e.Kind]++
		if g.Node(e.From) == nil || g.Node(e.To) == nil {
			t.Errorf("dangling edge %+v", e)
		}
	}
	for _, k := range []string{"parsed-from", "seen-in", "authenticated-as", "presented-key", "same-fingerprint-as", "observed-by", "recorded-from", "belongs-to", "assessed-as"} {
		if edges[k] == 0 {
			t.Errorf("no %s edge: %v", k, edges)
		}
	}
	for _, e := range g.Edges {
		if e.Kind == "parsed-from" && (len(e.Cites) == 0 || !strings.HasPrefix(e.Cites[0], "entry:")) {
			t.Errorf("parsed-from edge without its events.parsed entry: %+v", e)
		}
	}
	var js bytes.Buffer
	if err := g.WriteJSON(&js); err != nil || !json.Valid(js.Bytes()) {
		t.Fatalf("json: %v", err)
	}
	var gml bytes.Buffer
	if err := g.WriteGraphML(&gml); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(&gml)
	nodes := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("graphml is not well-formed XML: %v", err)
			}
			break
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "node" {
			nodes++
		}
	}
	if nodes != len(g.Nodes) {
		t.Fatalf("graphml has %d nodes, graph %d", nodes, len(g.Nodes))
	}
	var dot bytes.Buffer
	g.WriteDOT(&dot)
	if _, err := exec.LookPath("dot"); err != nil {
		t.Log("Graphviz not installed: DOT output not rendered")
		return
	}
	cmd := exec.Command("dot", "-Tsvg")
	cmd.Stdin = &dot
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("<svg")) {
		t.Fatalf("dot -Tsvg: %v\n%s", err, out)
	}
}

func TestDOTEscapesHostileLabels(t *testing.T) {
	g, _ := graph.Build(context.Background(), testCase(t), nil)
	g.Nodes[0].Label = "evil\" ] ; x -> y [label=\"\n"
	var b bytes.Buffer
	g.WriteDOT(&b)
	if strings.Contains(b.String(), "evil\" ]") {
		t.Fatal("a quote in a label ends the DOT string")
	}
}
