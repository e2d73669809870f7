package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Triage in the browser: narrow the sources table to the sources of
// authentication events with successful logins, sort it, save the view,
// come back to it, and record the assessment shown.
func TestBrowserSourcesTriage(t *testing.T) {
	ctx, problems := browser(t)
	f := newFixture(t, "")
	f.addLog(t, "guess.log", synthAuthLog(60, 1)) // one source with 12 successful logins
	dir := shots(t)
	base := f.ts.URL
	run := func(step string, acts ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, acts...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	rows := func() []string {
		t.Helper()
		r, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#sources-table tbody tr')).map(function(tr){return tr.innerText})`))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	run("login", chromedp.EmulateViewport(1440, 900), chromedp.Navigate(base+"/sources"),
		chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), "ann"), chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Submit(chromedp.ID("password")), chromedp.WaitVisible(chromedp.ID("sources-table")))
	all := rows()
	if st := text(t, ctx, "#assessment-state"); !strings.Contains(st, "Preview, not recorded.") {
		t.Errorf("state: %q", st)
	}
	shot(t, ctx, dir, "20-sources")

	// Filter: kind auth, with successful logins.
	run("filter", chromedp.SetValue(chromedp.CSS(`#source-filters select[name=kind]`), "auth"),
		chromedp.Click(chromedp.CSS(`#source-filters input[name=logins]`)),
		chromedp.Submit(chromedp.CSS(`#source-filters input[name=q]`)),
		chromedp.WaitVisible(`//input[@name="logins" and @checked]`))
	got := rows()
	if len(got) == 0 || len(got) >= len(all) {
		t.Fatalf("filtered to %d rows of %d", len(got), len(all))
	}
	guesser := false
	for _, r := range got {
		guesser = guesser || strings.Contains(r, synthIP(0))
		if !strings.Contains(r, "auth") {
			t.Errorf("a row without auth events: %q", r)
		}
	}
	if !guesser {
		t.Errorf("the source with logins is not listed: %q", got)
	}
	shot(t, ctx, dir, "21-sources-filtered")

	// Sort by successful logins: the filter stays.
	run("sort", chromedp.Click(`//th/a[.="Successful logins"]`), chromedp.WaitVisible(`//th[@aria-sort]/a[.="Successful logins"]`))
	if after := rows(); len(after) != len(got) {
		t.Errorf("sorting changed the selection: %d rows, then %d", len(got), len(after))
	}
	if u, err := chromedp.Run(ctx, chromedp.Location()); err != nil || !strings.Contains(u, "logins=1") || !strings.Contains(u, "kind=auth") {
		t.Errorf("sorting dropped the filters: %s %v", u, err)
	}

	// Save the view, clear the filters, come back through the view.
	run("save view", chromedp.SendKeys(chromedp.CSS(`#saved-views input[name=name]`), "Logged in"),
		chromedp.Submit(chromedp.CSS(`#saved-views input[name=name]`)),
		chromedp.WaitVisible(`//section[@id="saved-views"]/a[.="Logged in"]`))
	run("clear", chromedp.Click(`//form[@id="source-filters"]/a[.="clear"]`), chromedp.WaitVisible(`//input[@name="logins" and not(@checked)]`))
	if n := len(rows()); n != len(all) {
		t.Errorf("cleared: %d rows, want %d", n, len(all))
	}
	run("open view", chromedp.Click(`//section[@id="saved-views"]/a[.="Logged in"]`), chromedp.WaitVisible(`//input[@name="logins" and @checked]`))
	if n := len(rows()); n != len(got) {
		t.Errorf("the saved view shows %d rows, want %d", n, len(got))
	}
	if entryKinds(t, f.h.Case)[KindViewSaved] != 1 {
		t.Error("no view.saved entry")
	}

	// Record the assessment shown.
	run("record", chromedp.Click(`//button[.="Record this assessment"]`), chromedp.WaitVisible(chromedp.CSS(`p.okmsg#assessment-state`)))
	if st := text(t, ctx, "#assessment-state"); !strings.Contains(st, "This is the recorded assessment") {
		t.Errorf("after recording: %q", st)
	}
	shot(t, ctx, dir, "22-sources-recorded")
	if p := problems(); len(p) > 0 {
		t.Errorf("browser console: %v", p)
	}
}

// Enrichment in the browser: upload a dataset (the page sends the file's
// time, which dates a list that carries none), see what was recorded,
// then consult it again from the list of preserved datasets.
func TestBrowserEnrich(t *testing.T) {
	ctx, problems := browser(t)
	f := newFixture(t, "")
	dir := shots(t)
	run := func(step string, acts ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, acts...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	list := filepath.Join(t.TempDir(), "torbulkexitlist")
	if err := os.WriteFile(list, []byte("185.220.101.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)
	if err := os.Chtimes(list, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	run("login", chromedp.EmulateViewport(1440, 900), chromedp.Navigate(f.ts.URL+"/enrich"),
		chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), "ann"), chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Submit(chromedp.ID("password")), chromedp.WaitVisible(chromedp.ID("enrich-upload")))
	run("upload", chromedp.SetValue(chromedp.CSS(`#enrich-upload select[name=kind]`), "tor-exits"),
		chromedp.SetUploadFiles(chromedp.ID("dataset-files"), []string{list}),
		chromedp.Submit(chromedp.ID("dataset-files")), chromedp.WaitVisible(chromedp.ID("enrich-report")))
	if rep := text(t, ctx, "#enrich-report"); !strings.Contains(rep, "tor-bulk-exit-list") || !strings.Contains(rep, "2026-11-20 06:00:00Z") || !strings.Contains(rep, "now") {
		t.Errorf("report: %q", rep)
	}
	shot(t, ctx, dir, "30-enrich-uploaded")
	// The first report goes, so that waiting for a report waits for the new page.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('enrich-report').remove() || true`)); err != nil {
		t.Fatal(err)
	}
	run("consult again", chromedp.Click(chromedp.CSS(`#datasets input[name=dataset]`)),
		chromedp.Submit(chromedp.CSS(`#datasets input[name=dataset]`)), chromedp.WaitVisible(chromedp.ID("enrich-report")))
	if rep := text(t, ctx, "#enrich-report"); !strings.Contains(rep, "already") {
		t.Errorf("consulted again: %q", rep)
	}
	shot(t, ctx, dir, "31-enrich-again")
	if p := problems(); len(p) > 0 {
		t.Errorf("browser console: %v", p)
	}
}
