package ui

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

// The events pager leads to the next and previous pages of the same
// search (the older ?indicator= link becomes the query indicator:…), every
// event reachable (the link once was a bare query string,
// which the browser took for a path: /offset=100, a 404).
func TestEventsPaging(t *testing.T) {
	f := newFixture(t, "")
	f.addLog(t, "auth.log", synthAuthLog(250, 1)) // 250 events of one source
	c := f.login(t, "ann")
	next := regexp.MustCompile(`<a href="([^"]*)" rel="next"`)
	prev := regexp.MustCompile(`<a href="([^"]*)" rel="prev"`)
	page := "/events?indicator=" + synthIP(0)
	var pages int
	for {
		resp, body := c.get(page)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", page, resp.StatusCode)
		}
		pages++
		if pages > 1 && prev.FindStringSubmatch(body) == nil {
			t.Fatalf("page %d has no link back", pages)
		}
		m := next.FindStringSubmatch(body)
		if m == nil {
			break
		}
		href := html.UnescapeString(m[1])
		if !strings.HasPrefix(href, "/events?") || !strings.Contains(href, "q=indicator%3A"+synthIP(0)) {
			t.Fatalf("next link %q leaves the page or its search", href)
		}
		page = href
		if pages > 10 {
			t.Fatal("the pager does not end")
		}
	}
	if pages != 3 {
		t.Fatalf("250 events in %d pages of 100, want 3", pages)
	}
}
