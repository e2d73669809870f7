package ui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The post-login redirect followed next="/\t/evil.example" (a browser drops
// the tab and goes to //evil.example). Only paths this workbench serves as
// pages are kept.
func TestLoginRedirectStaysLocal(t *testing.T) {
	f := newFixture(t, "")
	a := f.auth.Hex()
	for next, want := range map[string]string{
		"/\t/evil.example":                 "/",
		"/\n/evil.example":                 "/",
		"/\r\n/evil.example":               "/",
		"/ /evil.example":                  "/",
		"//evil":                           "/",
		"///evil":                          "/",
		"/\\evil":                          "/",
		"/\\/evil":                         "/",
		"https://evil.example/":            "/",
		"http:/evil.example":               "/",
		"javascript:alert(1)":              "/",
		"evil.example":                     "/",
		"/%2f/evil.example":                "/",
		"/%09/evil.example":                "/",
		"/login?next=//evil":               "/",
		"/api/v1/log":                      "/",
		"/static/app.css":                  "/",
		"/nope":                            "/",
		"/evidence/" + a + "/../../x":      "/",
		"":                                 "/",
		"/":                                "/",
		"/events?indicator=185.220.101.4":  "/events?indicator=185.220.101.4",
		"/evidence/" + a:                   "/evidence/" + a,
		"/sources/185.220.101.4#factors":   "/sources/185.220.101.4",
		"/custody/3":                       "/custody/3",
		"/events?q=%3Cscript%3E&offset=20": "/events?q=%3Cscript%3E&offset=20",
	} {
		if got := f.srv.safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
	// Through the login form, as the reproduction did.
	for _, next := range []string{"/\t/evil.example", "//evil", "/\\evil", "https://evil.example/"} {
		c := f.anon(t)
		_, body := c.get("/login?next=" + url.QueryEscape(next))
		if strings.Contains(body, "evil") {
			t.Errorf("the login form carries %q", next)
		}
		tok := csrfRE.FindStringSubmatch(body)[1]
		resp, _ := c.postForm("/login", url.Values{"csrf": {tok}, "user": {"vic"}, "password": {testPassword}, "next": {next}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Errorf("login with next=%q: %d %q", next, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	c := f.anon(t)
	resp, _ := c.get("/events?indicator=185.220.101.4")
	if loc := resp.Header.Get("Location"); loc != "/login?next="+url.QueryEscape("/events?indicator=185.220.101.4") {
		t.Errorf("redirect to the login: %q", loc)
	}
}
