package ui

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

type overviewJSON struct {
	Nodes []cyNode `json:"nodes"`
	Edges []cyEdge `json:"edges"`
	Stats struct {
		Nodes, Edges, Sources, Matched, Individual int
	} `json:"stats"`
}

func getOverview(t *testing.T, c *client, query string) overviewJSON {
	t.Helper()
	resp, body := c.get("/graph/data.json" + query)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d", query, resp.StatusCode)
	}
	var g overviewJSON
	if err := json.Unmarshal([]byte(body), &g); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestGraphOverviewLarge: the graph page's data for a case of about 700
// sources is folded on the server (a few hundred nodes at most, groups
// named with their count), a group unfolds on demand, and the role, time
// and kind filters narrow it.
func TestGraphOverviewLarge(t *testing.T) {
	f := newFixture(t, "")
	f.addLog(t, "big-auth.log", synthAuthLog(8000, 680))
	c := f.login(t, "vic")
	g := getOverview(t, c, "")
	if len(g.Nodes) > 300 || g.Stats.Nodes < 1800 {
		t.Fatalf("first paint has %d nodes for a case graph of %d", len(g.Nodes), g.Stats.Nodes)
	}
	var agg *cyNode
	for i, n := range g.Nodes {
		if n.Kind == "aggregate" {
			agg = &g.Nodes[i]
		}
		if n.Attrs["role"] != "" && n.Kind == "ip" && n.Label != strings.TrimPrefix(n.ID, "ip:") {
			t.Errorf("source label %q does not name the address %s", n.Label, n.ID)
		}
	}
	if agg == nil || !strings.Contains(agg.Label, "undetermined sources") || agg.Attrs["members"] == "" {
		t.Fatalf("no group of undetermined sources: %+v", agg)
	}
	// Unfold it: its members appear one by one.
	u := getOverview(t, c, "?expand="+agg.ID)
	if u.Stats.Individual <= g.Stats.Individual || len(u.Nodes) <= len(g.Nodes) {
		t.Fatalf("unfolding %s: %d sources drawn one by one, before %d", agg.ID, u.Stats.Individual, g.Stats.Individual)
	}
	// Unfold a source: its events and observations appear.
	var src string
	for _, n := range g.Nodes {
		if n.Kind == "ip" && n.Attrs["role"] != "" {
			src = n.ID
			break
		}
	}
	s := getOverview(t, c, "?expand="+src)
	kinds := map[string]bool{}
	for _, n := range s.Nodes {
		kinds[n.Kind] = true
	}
	if !kinds["events"] || !kinds["hypothesis"] {
		t.Errorf("unfolding %s shows %v", src, kinds)
	}
	// Filters.
	if r := getOverview(t, c, "?role=internal"); r.Stats.Matched >= g.Stats.Matched {
		t.Errorf("role filter kept %d of %d", r.Stats.Matched, g.Stats.Matched)
	}
	if r := getOverview(t, c, "?from=1990-01-01&to=1990-01-02"); r.Stats.Matched != 0 {
		t.Errorf("a window with no activity kept %d sources", r.Stats.Matched)
	}
	for _, e := range g.Edges {
		if e.Kind == "seen-in" && e.Count == 0 {
			t.Errorf("folded seen-in edge %s → %s without its count", e.From, e.To)
		}
	}
	// The page has the filter form.
	_, page := c.get("/graph")
	for _, want := range []string{`name="role"`, `name="kind"`, `name="from"`, `id="graph-list"`} {
		if !strings.Contains(page, want) {
			t.Errorf("graph page lacks %s", want)
		}
	}
}

// TestBrowserGraphOverview opens the graph of a large generated case and
// logs when it became interactive (not asserted: a timed test on a shared
// machine fails for reasons of its own); it checks that it rendered, that
// the list below it is there, and that a group unfolds from the keyboard.
// With CASEFILE_GRAPH_URL (and CASEFILE_GRAPH_USER, _PASSWORD) it measures
// that server instead, e.g. `casefile serve` of the real-sample case.
func TestBrowserGraphOverview(t *testing.T) {
	ctx, problems := browser(t)
	base, user, pass := os.Getenv("CASEFILE_GRAPH_URL"), os.Getenv("CASEFILE_GRAPH_USER"), os.Getenv("CASEFILE_GRAPH_PASSWORD")
	if base == "" {
		f := newFixture(t, "")
		f.addLog(t, "big-auth.log", synthAuthLog(8000, 680))
		base, user, pass = f.ts.URL, "ann", testPassword
	}
	dir := shots(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900), chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), user), chromedp.SendKeys(chromedp.ID("password"), pass),
		chromedp.Submit(chromedp.ID("password")), chromedp.WaitVisible(chromedp.ID("verification"))); err != nil {
		t.Fatal(err)
	}
	for _, visit := range []string{"first", "second"} {
		start := time.Now()
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/graph"), chromedp.WaitVisible(chromedp.CSS(`#cy[data-ready]`))); err != nil {
			t.Fatal(err)
		}
		wall := time.Since(start)
		type timing struct{ Ready, Script, Nodes, Edges, Paint string }
		tm, err := chromedp.Run(ctx, chromedp.Evaluate[timing](`(function(){var b=document.getElementById('cy');var p=performance.getEntriesByName('first-contentful-paint')[0];
			return {Ready:b.getAttribute('data-ready'),Script:b.getAttribute('data-script-ms')||'',Nodes:String(window.casefileGraph?window.casefileGraph.nodes().length:0),
			Edges:String(window.casefileGraph?window.casefileGraph.edges().length:0),Paint:p?String(Math.round(p.startTime)):''};})()`))
		if err != nil {
			t.Fatal(err)
		}
		if tm.Ready == "error" || tm.Nodes == "0" {
			t.Fatalf("%s visit: the graph did not render (%+v)", visit, tm)
		}
		t.Logf("%s visit: %s nodes, %s edges drawn; first contentful paint %s ms, interactive %s ms after navigation (%s ms after its script started; %s wall clock from the test)",
			visit, tm.Nodes, tm.Edges, tm.Paint, tm.Ready, tm.Script, wall.Round(time.Millisecond))
	}
	// The line above the graph says what is drawn of how much.
	if c := text(t, ctx, "#graph-count"); strings.Contains(c, "for 0 nodes") || strings.Contains(c, "of 0 sources") {
		t.Errorf("graph count: %q", c)
	}
	shot(t, ctx, dir, "graph-overview")
	if buf, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(`.graph-wrap`))); err == nil {
		os.WriteFile(filepath.Join(dir, "graph-overview-view.png"), buf, 0o644)
	}
	// Search for a source inside a group: the page has the server draw it.
	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function(){var cy=window.casefileGraph;var a=cy.nodes("[kind = 'aggregate']")[0];
		return fetch("/graph/data.json?expand="+encodeURIComponent(a.id())).then(function(r){return r.json();}).then(function(g){
		var n=g.nodes.filter(function(n){return n.attrs&&n.attrs.role&&n.kind!=="aggregate"&&cy.getElementById(n.id).length===0;})[0];return n?n.label:"";});})()`, chromedp.EvalAwaitPromise))
	if err != nil || hidden == "" {
		t.Fatalf("no source inside a group to search for: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("graph-find"), hidden+"\r"),
		chromedp.WaitVisible(`//aside[@id="panel"]/h2[.="`+hidden+`"]`)); err != nil {
		t.Fatalf("searching %s: %v", hidden, err)
	}
	t.Logf("search drew %s out of its group", hidden)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/graph"), chromedp.WaitVisible(chromedp.CSS(`#cy[data-ready]`))); err != nil {
		t.Fatal(err)
	}
	// The list below the graph, and a group unfolded from it by keyboard.
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#graph-list section li button.unfold`))); err != nil {
		t.Fatal(err)
	}
	before, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`window.casefileGraph.nodes().length`))
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(`#graph-list section li button.unfold`)), chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(`#cy[data-ready]`))); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	after := before
	for time.Now().Before(deadline) && after <= before {
		time.Sleep(100 * time.Millisecond)
		after, _ = chromedp.Run(ctx, chromedp.Evaluate[int](`document.getElementById('cy').hasAttribute('data-ready') ? window.casefileGraph.nodes().length : 0`))
	}
	if after <= before {
		t.Fatalf("unfolding the first group: %d nodes, before %d", after, before)
	}
	url, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`))
	t.Logf("unfolded (%s): %d nodes, before %d", url, after, before)
	shot(t, ctx, dir, "graph-overview-unfolded")
	if p := problems(); len(p) > 0 {
		t.Errorf("browser problems:\n%s", strings.Join(p, "\n"))
	}
}
