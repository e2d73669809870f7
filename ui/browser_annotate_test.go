package ui

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/casefile/casefile/evidence/annotate"
)

// TestBrowserTagEventWriteNote walks issue 14's path: find the one
// successful login on the events page, tag it, write a note that cites it
// (the form filled in from the event), and find the tag on the events
// page and the note, rendered, on its own page.
func TestBrowserTagEventWriteNote(t *testing.T) {
	ctx, problems := browser(t)
	f := newFixture(t, "")
	dir := shots(t)
	base := f.ts.URL
	browserLogin(t, ctx, base, "ann")
	run := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	run("events", chromedp.Navigate(base+"/events?outcome=success&kind=auth"), chromedp.WaitVisible(chromedp.CSS(`table.events`)))
	if got := text(t, ctx, "table.events tbody tr:first-child"); !strings.Contains(got, "89.160.20.130") {
		t.Fatalf("the first successful login is not the one of the fixture: %q", got)
	}
	run("annotate", chromedp.Click(chromedp.CSS(`table.events tbody tr:first-child a.annot-link`)), chromedp.WaitVisible(chromedp.CSS(`form.annotate-tag`)))
	run("tag", chromedp.SendKeys(chromedp.CSS(`form.annotate-tag input[name="tag"]`), "the login"),
		chromedp.Click(chromedp.CSS(`form.annotate-tag button[value="tag"]`)), chromedp.WaitVisible(chromedp.CSS(`ul.marks .tag`)))
	if got := text(t, ctx, "ul.marks"); !strings.Contains(got, "the login") || !strings.Contains(got, "entry #") {
		t.Errorf("the tag on the annotation page: %q", got)
	}
	shot(t, ctx, dir, "30-event-tagged")
	run("write a note", chromedp.Click(chromedp.CSS(`section.annotations a[href^="/notes?cite="]`)), chromedp.WaitVisible(chromedp.CSS(`form.noteform`)))
	cites, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`form.noteform textarea[name="cites"]`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cites, "sha256:"+f.auth.Hex()+"#L") {
		t.Fatalf("the note form does not cite the event: %q", cites)
	}
	run("note", chromedp.SendKeys(chromedp.CSS(`form.noteform input[name="title"]`), "The one successful login"),
		chromedp.SendKeys(chromedp.CSS(`form.noteform textarea[name="body"]`), "deploy logged in **once**, from 89.160.20.130.\n\n<img src=x onerror=alert(1)>"),
		chromedp.Click(chromedp.CSS(`form.noteform input[name="for_report"]`)),
		chromedp.Click(chromedp.CSS(`form.noteform button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`article.note-body`)))
	if got := text(t, ctx, "article.note-body strong"); got != "once" {
		t.Errorf("the note is not rendered from Markdown: %q", got)
	}
	if got := text(t, ctx, "ul.cites"); !strings.Contains(got, "line") {
		t.Errorf("the note's citations: %q", got)
	}
	shot(t, ctx, dir, "31-note")
	run("events again", chromedp.Navigate(base+"/events?outcome=success&kind=auth"), chromedp.WaitVisible(chromedp.CSS(`table.events`)))
	if got := text(t, ctx, "table.events tbody tr:first-child td.marks"); !strings.Contains(got, "the login") {
		t.Errorf("the events page does not show the tag: %q", got)
	}
	k := entryKinds(t, f.h.Case)
	if k[annotate.KindMark] != 1 || k[annotate.KindNote] != 1 {
		t.Errorf("entries: %v", k)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("browser problems:\n%s", strings.Join(p, "\n"))
	}
}
