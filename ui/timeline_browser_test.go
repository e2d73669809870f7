package ui

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/casefile/casefile/evidence/eventstore"
)

// timelineLogs are two artefacts: an SSH log of 300 failed logins and the
// one that succeeded, and a web server log whose times carry +02:00.
func timelineLogs() (ssh, web []byte) {
	var b bytes.Buffer
	t0 := time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)
	for i := range 301 {
		ts := t0.Add(time.Duration(i) * time.Minute).Format("Jan _2 15:04:05")
		if i == 200 {
			fmt.Fprintf(&b, "%s web07 sshd[%d]: Accepted password for deploy from 89.160.20.130 port 51514 ssh2\n", ts, 5000+i)
			continue
		}
		fmt.Fprintf(&b, "%s web07 sshd[%d]: Failed password for root from 185.220.101.%d port %d ssh2\n", ts, 5000+i, i%50, 40000+i)
	}
	var w bytes.Buffer
	for i := range 20 {
		ts := t0.Add(time.Duration(150+i) * time.Minute).In(time.FixedZone("", 7200)).Format("02/Jan/2006:15:04:05 -0700")
		fmt.Fprintf(&w, "89.160.20.130 - - [%s] \"GET /index.php?id=%d%%20UNION%%20SELECT%%201 HTTP/1.1\" 500 312 \"-\" \"sqlmap/1.7\"\n", ts, i)
	}
	return b.Bytes(), w.Bytes()
}

// TestBrowserTimeline: the analyst pages through the timeline, searches for
// the one successful login, opens its detail pane (fields, citation, the
// preserved line), zooms the histogram and saves the search.
func TestBrowserTimeline(t *testing.T) {
	ctx, problems := browser(t)
	f := newFixture(t, "")
	q0, _ := eventstore.ParseSearch("")
	before, err := f.srv.events.Search(context.Background(), q0, eventstore.SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	all := strconv.FormatInt(before.Total+321, 10)
	ssh, web := timelineLogs()
	f.addLog(t, "auth.log", ssh)
	f.addLog(t, "access.log", web)
	dir := shots(t)
	base := f.ts.URL
	run := func(step string, acts ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, acts...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	location := func() string {
		t.Helper()
		u, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	run("login", chromedp.EmulateViewport(1440, 900), chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), "ann"), chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Submit(chromedp.ID("password")), chromedp.WaitVisible(chromedp.ID("verification")))

	// The timeline: both artefacts, in time order, the web log's offset kept.
	run("timeline", chromedp.Navigate(base+"/events"), chromedp.WaitVisible(chromedp.CSS("table.timeline")))
	if got := text(t, ctx, "#total"); got != all {
		t.Fatalf("total %q, want %s", got, all)
	}
	shot(t, ctx, dir, "t01-timeline")
	run("next page", chromedp.Click(chromedp.CSS(`a[rel=next]`)), chromedp.WaitVisible(chromedp.CSS(`a[rel=prev]`)))
	if u := location(); !strings.Contains(u, "offset=100") {
		t.Fatalf("next page at %s", u)
	}
	shot(t, ctx, dir, "t02-page2")
	run("window", chromedp.Navigate(base+"/events?q="+url.QueryEscape("after:2026-11-20T08:29 before:2026-11-20T08:33")),
		chromedp.WaitVisible(chromedp.CSS("table.timeline")))
	body := text(t, ctx, "table.timeline tbody")
	if !strings.Contains(body, "+02:00") || !strings.Contains(body, "GET /index.php") || !strings.Contains(body, " 500") || !strings.Contains(body, "openssh") {
		t.Fatalf("the timeline does not interleave the web log, with its offset and message, and the SSH log: %.600s", body)
	}

	// Search for the successful login.
	run("search", chromedp.SetValue(chromedp.CSS(`input[name=q]`), "kind:auth outcome:success host:web07"),
		chromedp.Submit(chromedp.CSS(`input[name=q]`)), chromedp.WaitVisible(chromedp.CSS("table.timeline")))
	if got := text(t, ctx, "#total"); got != "1" {
		t.Fatalf("successful logins: %q, want 1", got)
	}
	run("detail", chromedp.Click(chromedp.CSS(`table.timeline a.rowlink`)), chromedp.WaitVisible(chromedp.CSS(`#detail #event-detail`)))
	det := text(t, ctx, "#detail")
	for _, want := range []string{"deploy", "89.160.20.130", "Accepted password for deploy from 89.160.20.130", "openssh", "recorded in the custody log"} {
		if !strings.Contains(det, want) {
			t.Fatalf("detail pane lacks %q: %.800s", want, det)
		}
	}
	if u := location(); !strings.Contains(u, "q=kind") {
		t.Fatalf("the detail pane left the timeline: %s", u)
	}
	shot(t, ctx, dir, "t03-detail")

	// Save it; it is listed, and runs again from the list.
	run("save", chromedp.SendKeys(chromedp.CSS(`form.savesearch input[name=name]`), "the login"),
		chromedp.Submit(chromedp.CSS(`form.savesearch input[name=name]`)), chromedp.WaitVisible(chromedp.CSS(`nav.saved`)))
	run("saved", chromedp.Navigate(base+"/events"), chromedp.WaitVisible(chromedp.CSS(`nav.saved`)),
		chromedp.Click(`//nav[contains(@class,"saved")]/a[text()="the login"]`), chromedp.WaitVisible(chromedp.CSS("table.timeline")))
	if got := text(t, ctx, "#total"); got != "1" {
		t.Fatalf("saved search: %q events", got)
	}

	// Zoom: a bar of the histogram narrows the range; a drag across bars too.
	run("phrase", chromedp.Navigate(base+"/events?q="+url.QueryEscape(`"union select"`)), chromedp.WaitVisible(chromedp.CSS("#histogram")))
	if got := text(t, ctx, "#total"); got != "20" {
		t.Fatalf(`"union select": %q events, want 20`, got)
	}
	run("whole", chromedp.Navigate(base+"/events"), chromedp.WaitVisible(chromedp.CSS("#histogram")))
	run("bar", chromedp.Click(chromedp.CSS(`#histogram a.bar:nth-of-type(3)`)), chromedp.WaitVisible(chromedp.CSS("table.timeline")))
	u := location()
	if !strings.Contains(u, "after%3A") || !strings.Contains(u, "before%3A") {
		t.Fatalf("a bar did not narrow the range: %s", u)
	}
	if got := text(t, ctx, "#total"); got == all || got == "0" {
		t.Fatalf("zoomed to one bar: %s events", got)
	}
	shot(t, ctx, dir, "t04-zoomed")
	run("whole again", chromedp.Navigate(base+"/events"), chromedp.WaitVisible(chromedp.CSS("#histogram")))
	drag := `(function(){var b=document.querySelectorAll('#histogram a.bar');var r1=b[1].getBoundingClientRect(),r2=b[b.length-2].getBoundingClientRect();
		function ev(t,el,r){el.dispatchEvent(new MouseEvent(t,{bubbles:true,clientX:r.left+r.width/2,clientY:r.top+r.height/2}));}
		ev('mousedown',b[1],r1);ev('mousemove',b[b.length-2],r2);ev('mouseup',b[b.length-2],r2);return b.length;})()`
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](drag)); err != nil || n < 4 {
		t.Fatalf("drag over %d bars: %v", n, err)
	}
	run("dragged", chromedp.WaitVisible(chromedp.CSS("table.timeline")), chromedp.Sleep(300*time.Millisecond))
	if u := location(); !strings.Contains(u, "after%3A") {
		t.Fatalf("a drag did not narrow the range: %s", u)
	}
	if got := text(t, ctx, "#total"); got == all || got == "0" {
		t.Fatalf("zoomed by a drag: %s events", got)
	}
	if p := problems(); len(p) > 0 {
		t.Fatalf("console: %v", p)
	}
}
