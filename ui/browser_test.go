package ui

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// browser starts headless Chromium for an end-to-end test. It skips when
// Chromium is missing, unless CASEFILE_BROWSER_TESTS=required.
func browser(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	path := ""
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CASEFILE_BROWSER_TESTS") == "required" {
			t.Fatal("CASEFILE_BROWSER_TESTS=required but no chromium on PATH")
		}
		t.Skip("no chromium on PATH: browser tests skipped (set CASEFILE_BROWSER_TESTS=required to make this an error)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(1440, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	var mu sync.Mutex
	var problems []string
	msgs := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleException || m.Type == chromedp.ConsoleError {
				mu.Lock()
				problems = append(problems, string(m.Type)+": "+m.Text)
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { cancelT(); cancelB(); cancelA(); <-done })
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), problems...)
	}
}

// shots is where screenshots go: CASEFILE_SCREENSHOTS or a temporary dir.
func shots(t *testing.T) string {
	if d := os.Getenv("CASEFILE_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

func shot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

func TestBrowserWorkflow(t *testing.T) {
	ctx, problems := browser(t)
	f := newFixture(t, "tor-bruteforce")
	dir := shots(t)
	base := f.ts.URL
	run := func(step string, acts ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, acts...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}

	// Log in.
	run("login", chromedp.EmulateViewport(1440, 900), chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), "ann"), chromedp.SendKeys(chromedp.ID("password"), testPassword))
	shot(t, ctx, dir, "01-login")
	run("submit login", chromedp.Submit(chromedp.ID("password")), chromedp.WaitVisible(chromedp.ID("verification")))
	shot(t, ctx, dir, "02-overview")

	// Ingest a file through the upload form.
	up := filepath.Join(t.TempDir(), "extra-auth.log")
	os.WriteFile(up, []byte("Nov 21 10:00:01 web02 sshd[1]: Failed password for root from 198.51.100.77 port 40000 ssh2\n"), 0o644)
	run("ingest form", chromedp.Navigate(base+"/ingest"), chromedp.WaitVisible(chromedp.ID("files")),
		chromedp.SendKeys(chromedp.ID("source"), "web02:/var/log/auth.log, copied by the browser test"),
		chromedp.SetUploadFiles(chromedp.ID("files"), []string{up}))
	shot(t, ctx, dir, "03-ingest")
	run("upload", chromedp.Click(chromedp.ID("ingest-submit")), chromedp.WaitVisible(`//h1[starts-with(., "Ingested")]`))
	if res := text(t, ctx, "main"); !strings.Contains(res, "extra-auth.log") || !strings.Contains(res, "parsed with") {
		t.Fatalf("ingest result: %s", res)
	}
	shot(t, ctx, dir, "04-ingest-result")

	// Evidence list, detail, and content (recorded).
	viewsBefore := entryKinds(t, f.h.Case)[KindEvidenceViewed]
	run("evidence", chromedp.Navigate(base+"/evidence"), chromedp.WaitVisible(chromedp.CSS(`table.dense`)))
	shot(t, ctx, dir, "05-evidence")
	run("evidence detail", chromedp.Navigate(base+"/evidence/"+f.auth.Hex()), chromedp.WaitVisible(chromedp.CSS(`.facts`)))
	shot(t, ctx, dir, "06-evidence-detail")
	run("content", chromedp.Navigate(base+"/evidence/"+f.auth.Hex()+"/content?line=40#L40"), chromedp.WaitVisible(chromedp.ID("L40")))
	if rec := text(t, ctx, ".recorded"); !strings.Contains(rec, "recorded in the custody log") {
		t.Fatalf("content page does not say the view was recorded: %q", rec)
	}
	shot(t, ctx, dir, "07-content")
	if got := entryKinds(t, f.h.Case)[KindEvidenceViewed]; got != viewsBefore+1 {
		t.Fatalf("evidence.viewed entries: %d, want %d", got, viewsBefore+1)
	}
	run("custody", chromedp.Navigate(base+"/custody?kind=evidence.viewed"), chromedp.WaitVisible(chromedp.CSS(`ol.custody`)))
	if ct := text(t, ctx, "ol.custody"); !strings.Contains(ct, "evidence.viewed") || !strings.Contains(ct, "ann (workbench, analyst)") {
		t.Fatalf("custody log does not show the view: %.300s", ct)
	}
	run("custody all", chromedp.Navigate(base+"/custody"), chromedp.WaitVisible(chromedp.CSS(`ol.custody`)))
	shot(t, ctx, dir, "08-custody")

	// Events, sources, a source detail.
	run("events", chromedp.Navigate(base+"/events?outcome=failure"), chromedp.WaitVisible(chromedp.CSS(`table.events`)))
	shot(t, ctx, dir, "09-events")
	run("sources", chromedp.Navigate(base+"/sources"), chromedp.WaitVisible(chromedp.CSS(`table.sortable`)))
	shot(t, ctx, dir, "10-sources")
	run("source detail", chromedp.Click(chromedp.CSS(`table.sortable tbody tr:first-child td:first-child a`)),
		chromedp.WaitVisible(chromedp.CSS(`table.matrix`)))
	if st := text(t, ctx, ".statement"); st == "" {
		t.Fatal("source page has no statement")
	}
	shot(t, ctx, dir, "11-source-detail")

	// The graph: wait until interactive, click a node, read the panel.
	run("graph", chromedp.Navigate(base+"/graph"), chromedp.WaitVisible(chromedp.CSS(`#cy[data-ready]`)))
	ready, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('cy').getAttribute('data-ready')`))
	if err != nil || ready == "error" {
		t.Fatalf("graph failed to load: %v", err)
	}
	shot(t, ctx, dir, "12a-graph-initial")
	type point struct{ X, Y float64 }
	pos, err := chromedp.Run(ctx, chromedp.Evaluate[point](`(function(){var cy=window.casefileGraph;var n=cy.nodes().sort(function(a,b){return b.degree()-a.degree()})[0];
		var p=n.renderedPosition();var r=document.getElementById('cy').getBoundingClientRect();return {X:p.x+r.left,Y:p.y+r.top};})()`))
	if err != nil {
		t.Fatal(err)
	}
	run("click node", chromedp.MouseClickXY(pos.X, pos.Y), chromedp.WaitVisible(`//aside[@id="panel"]//h3[.="What it rests on"]`))
	if panel := text(t, ctx, "#panel"); !strings.Contains(panel, "Why it is here") {
		t.Fatalf("panel: %q", panel)
	}
	shot(t, ctx, dir, "12-graph")

	// Export: build, then download through the browser session.
	run("export form", chromedp.Navigate(base+"/export"), chromedp.WaitVisible(chromedp.ID("recipient")),
		chromedp.SendKeys(chromedp.ID("recipient"), "Police, cybercrime unit"),
		chromedp.SendKeys(chromedp.ID("purpose"), "criminal complaint"),
		chromedp.SendKeys(chromedp.ID("authorization"), "engagement letter 2026-11"))
	shot(t, ctx, dir, "13-export")
	run("build export", chromedp.Click(chromedp.ID("export-submit")), chromedp.WaitVisible(chromedp.ID("download")))
	shot(t, ctx, dir, "14-export-result")
	type download struct {
		Status, Size int
		Magic        string
	}
	dl, err := chromedp.Run(ctx, chromedp.Evaluate[download](`fetch(document.getElementById('download').href).then(function(r){return r.arrayBuffer().then(function(b){
		var u=new Uint8Array(b);return {Status:r.status,Size:b.byteLength,Magic:u[0].toString(16)+u[1].toString(16)};});})`, chromedp.EvalAwaitPromise))
	if err != nil || dl.Status != 200 || dl.Magic != "1f8b" || dl.Size < 1000 {
		t.Fatalf("download: %+v %v", dl, err)
	}
	if entryKinds(t, f.h.Case)["export.created"] != 1 {
		t.Fatal("export.created not recorded")
	}
	run("account", chromedp.Navigate(base+"/account"), chromedp.WaitVisible(chromedp.ID(`new-token-button`)))
	shot(t, ctx, dir, "15-users")
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems (CSP violations, script errors):\n%s", strings.Join(p, "\n"))
	}
	t.Logf("screenshots in %s; graph interactive after %s ms", dir, ready)
}

// TestBrowserLargeGraph checks that a graph of about 2,000 nodes becomes
// interactive within 3 s and that a node can be clicked.
func TestBrowserLargeGraph(t *testing.T) {
	ctx, problems := browser(t)
	f := newFixture(t, "")
	f.addLog(t, "big-auth.log", synthAuthLog(8000, 680))
	dir := shots(t)
	g, err := f.srv.assess.graphNow(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(g.Nodes); n < 1800 || n > 3000 {
		t.Fatalf("graph has %d nodes; the test wants about 2,000", n)
	}
	browserLogin(t, ctx, f.ts.URL, "ann")
	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate(f.ts.URL+"/graph"), chromedp.WaitVisible(chromedp.CSS(`#cy[data-ready]`))); err != nil {
		t.Fatal(err)
	}
	wall := time.Since(start)
	ready, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('cy').getAttribute('data-ready')`))
	t.Logf("%d nodes, %d edges: interactive %s ms after the script started, %s after navigation", len(g.Nodes), len(g.Edges), ready, wall.Round(time.Millisecond))
	// The time is reported, not asserted: a timed test on a shared machine
	// fails for reasons of its own (the target, 3 s, is checked by reading
	// this figure; see the notes).
	if ready == "error" {
		t.Errorf("graph of %d nodes failed to lay out", len(g.Nodes))
	}
	shot(t, ctx, dir, "16-graph-2000")
	type point struct{ X, Y float64 }
	pos, err := chromedp.Run(ctx, chromedp.Evaluate[point](`(function(){var cy=window.casefileGraph;var n=cy.nodes('[kind = "ip"]').not('.folded')[0]||cy.nodes('[kind = "campaign"]')[0];
		cy.zoom({level: 1.2, position: n.position()}); cy.center(n);
		var p=n.renderedPosition();var r=document.getElementById('cy').getBoundingClientRect();return {X:p.x+r.left,Y:p.y+r.top};})()`))
	if err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	if err := chromedp.Do(ctx, chromedp.MouseClickXY(pos.X, pos.Y), chromedp.WaitVisible(`//aside[@id="panel"]//h3[.="What it rests on"]`)); err != nil {
		t.Fatal(err)
	}
	t.Logf("panel shown %s after the click", time.Since(t1).Round(time.Millisecond))
	shot(t, ctx, dir, "17-graph-2000-zoomed")
	if p := problems(); len(p) > 0 {
		t.Errorf("browser problems:\n%s", strings.Join(p, "\n"))
	}
}

func browserLogin(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900), chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), user), chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Submit(chromedp.ID("password")), chromedp.WaitVisible(chromedp.ID("verification"))); err != nil {
		t.Fatalf("login as %s: %v", user, err)
	}
}

// TestBrowserCounselAndViewer walks counsel's and a viewer's path: counsel
// reads a source (and its print version), views content (recorded) and has
// no ingest; a viewer sees metadata but no content.
func TestBrowserCounselAndViewer(t *testing.T) {
	ctx, problems := browser(t)
	f := newFixture(t, "tor-bruteforce")
	dir := shots(t)
	browserLogin(t, ctx, f.ts.URL, "carl")
	nav := text(t, ctx, "nav.tabs")
	if strings.Contains(nav, "Ingest") || strings.Contains(nav, "Users") || !strings.Contains(nav, "Export") {
		t.Errorf("counsel's tabs: %q", nav)
	}
	shot(t, ctx, dir, "20-counsel-overview")
	if err := chromedp.Do(ctx, chromedp.Navigate(f.ts.URL+"/sources/145.62.154.47"), chromedp.WaitVisible(chromedp.CSS(".warnband"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, dir, "21-counsel-source-print")
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		t.Fatal(err)
	}
	before := entryKinds(t, f.h.Case)[KindEvidenceViewed]
	if err := chromedp.Do(ctx, chromedp.Navigate(f.ts.URL+"/evidence/"+f.hostile.Hex()+"/content"), chromedp.WaitVisible(chromedp.ID("L1"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "#L1"); !strings.Contains(got, "<script>alert('x')</script>") {
		t.Errorf("hostile line not shown as text: %q", got)
	}
	shot(t, ctx, dir, "22-counsel-content-hostile")
	if entryKinds(t, f.h.Case)[KindEvidenceViewed] != before+1 {
		t.Error("counsel's view was not recorded")
	}
	// The viewer: metadata, no content.
	if err := chromedp.Do(ctx, chromedp.Navigate(f.ts.URL+"/login")); err != nil {
		t.Fatal(err)
	}
	ctx2, _ := browser(t)
	browserLogin(t, ctx2, f.ts.URL, "vic")
	if err := chromedp.Do(ctx2, chromedp.Navigate(f.ts.URL+"/evidence/"+f.auth.Hex()), chromedp.WaitVisible(chromedp.CSS(".facts"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx2, ".actions"); !strings.Contains(got, "metadata only") {
		t.Errorf("viewer's actions: %q", got)
	}
	shot(t, ctx2, dir, "23-viewer-evidence")
	if p := problems(); len(p) > 0 {
		t.Errorf("browser problems:\n%s", strings.Join(p, "\n"))
	}
}
