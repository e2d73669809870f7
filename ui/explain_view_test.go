package ui

import (
	"html"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/casefile/casefile/graph/attrib"
)

// relayOf is the first source the fixture's assessment judges role.
func relayOf(t *testing.T, f *fixture, role string) string {
	t.Helper()
	res := shownResult(t, f)
	for _, s := range res.Sources {
		if s.Role == role {
			return s.Indicator
		}
	}
	t.Fatalf("no source judged %s", role)
	return ""
}

// TestSourceExplanation: a source's page shows its explanation as a
// drawing (an SVG, no script) and as a list saying each factor's weight
// per role in words and nats, with links to the evidence it cites, and
// the chosen role marked as the heaviest side.
func TestSourceExplanation(t *testing.T) {
	f := newFixture(t, "tor-bruteforce")
	relay := relayOf(t, f, attrib.Relay)
	c := f.login(t, "vic")
	resp, raw := c.get("/sources/" + relay)
	body := html.UnescapeString(raw)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{`<svg viewBox=`, `class="x-node hyp chosen"`, `class="x-node factor`, `class="x-edge for"`,
		`strongly for relay (+`, ` nats)</li>`, `<ol class="explain-list">`, `href="/custody/`, `href="/evidence/`, `<span class="tag">chosen</span>`} {
		if !strings.Contains(body, want) {
			t.Errorf("source page lacks %q", want)
		}
	}
	// The chosen role's row comes first: the heaviest side.
	i := strings.Index(body, `<table class="dense explain-hyps">`)
	if i < 0 || !strings.Contains(body[i:i+strings.Index(body[i:], "</tr>\n</tbody>")+1], "anonymization relay") {
		t.Errorf("the role table does not start with the chosen role")
	}
	if first := body[i:]; strings.Index(first, `class="best"`) > strings.Index(first, "<td") {
		t.Errorf("the chosen role is not the first row")
	}
}

// TestSourceExplanationOutsideRoles: a source outside the role model (an
// internal address) has no hypotheses; its page still lists its factors.
func TestSourceExplanationOutsideRoles(t *testing.T) {
	f := newFixture(t, "tor-bruteforce")
	internal := relayOf(t, f, attrib.Internal)
	resp, body := f.login(t, "vic").get("/sources/" + internal)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<ol class="explain-list">`) || strings.Contains(body, `class="x-node hyp`) {
		t.Fatalf("status %d; list %v; hypotheses drawn %v", resp.StatusCode, strings.Contains(body, "explain-list"), strings.Contains(body, "x-node hyp"))
	}
}

func TestWrapLabel(t *testing.T) {
	for _, c := range []struct {
		in    string
		width int
		n     int
		want  []string
	}{
		{"2001:db8:85a3:1234:5678:8a2e:370:7334", 24, 3, []string{"2001:db8:85a3:1234:5678:", "8a2e:370:7334"}},
		{"password guessing or credential stuffing", 20, 3, []string{"password guessing or", "credential stuffing"}},
		{"one two three four five six", 8, 2, []string{"one two", "three …"}},
		{"185.220.101.4", 24, 2, []string{"185.220.101.4"}},
	} {
		got := wrapLabel(c.in, c.width, c.n)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("wrapLabel(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestBrowserExplanation: the explanation renders in Chromium, and Tab
// reaches the links of the drawing (factors and their evidence).
func TestBrowserExplanation(t *testing.T) {
	ctx, problems := browser(t)
	f := newFixture(t, "tor-bruteforce")
	relay := relayOf(t, f, attrib.Relay)
	dir := shots(t)
	base := f.ts.URL
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900), chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), "ann"), chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Submit(chromedp.ID("password")), chromedp.WaitVisible(chromedp.ID("verification")),
		chromedp.Navigate(base+"/sources/"+relay), chromedp.WaitVisible(chromedp.CSS(`.explain-graph svg`))); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, dir, "explain-"+relay)
	if buf, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(`.explain-graph`))); err == nil {
		os.WriteFile(filepath.Join(dir, "explain-graph-"+relay+".png"), buf, 0o644)
	}
	// Focus the first link of the drawing and tab on: focus stays on
	// links (to a factor's row or its evidence).
	var tag, href string
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(`.explain-graph a`))); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.activeElement.tagName, document.activeElement.getAttribute("href") || ""]`))
		if err != nil {
			t.Fatal(err)
		}
		tag, href = v[0], v[1]
		if strings.ToLower(tag) != "a" || href == "" {
			t.Fatalf("tab %d: focus on %s %q, not a link of the drawing", i, tag, href)
		}
		if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
			t.Fatal(err)
		}
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}
}
