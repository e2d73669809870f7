package ui

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence"
)

var targetRE = regexp.MustCompile(`<section class="annotations" id="annotations" data-target="([^"]+)"`)

var recordedRE = regexp.MustCompile(`Reading the line was recorded in the custody log as <a href="/custody/(\d+)">entry #(\d+)</a>`)

// firstEventPage is the detail page of an event with a preserved line.
func firstEventPage(t *testing.T, f *fixture) string {
	t.Helper()
	_, body := apiClient(t, f, "ann").get("/api/v1/events?limit=1&q=" + url.QueryEscape("indicator:89.160.20.130"))
	var out struct{ Detail []string }
	if err := json.Unmarshal([]byte(body), &out); err != nil || len(out.Detail) == 0 {
		t.Fatalf("no event: %v %.200s", err, body)
	}
	return out.Detail[0]
}

// lastViewed is the index of the case's last evidence.viewed entry.
func lastViewed(t *testing.T, c *evidence.Case) (uint64, int) {
	t.Helper()
	var last uint64
	n := 0
	c.Entries(0, func(e *evidence.Entry) error {
		if e.Kind == KindEvidenceViewed {
			last, n = e.Index, n+1
		}
		return nil
	})
	return last, n
}

// TestEventPageRecordsEveryVisit: the event page comes from the page cache,
// yet every visit that shows the preserved line is its own evidence.viewed
// entry, committed before the page is sent and named on it, with the
// visitor's own CSRF token; a viewer, who is shown no line, records none.
func TestEventPageRecordsEveryVisit(t *testing.T) {
	f := newFixture(t, "")
	page := firstEventPage(t, f)
	ann, ann2, vic := f.login(t, "ann"), f.login(t, "ann"), f.login(t, "vic")
	seen := map[string]bool{}
	for i, c := range []*client{ann, ann2, ann} {
		_, before := lastViewed(t, f.h.Case)
		resp, body := c.get(page)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Failed password") && !strings.Contains(body, "Accepted") {
			t.Fatalf("visit %d: %d, no preserved line", i, resp.StatusCode)
		}
		last, after := lastViewed(t, f.h.Case)
		m := recordedRE.FindStringSubmatch(body)
		if after != before+1 || m == nil || m[1] != m[2] || m[1] != itoa(last) {
			t.Fatalf("visit %d: %d views recorded, page says %v, last view entry %d", i, after-before, m, last)
		}
		if seen[m[1]] {
			t.Fatalf("visit %d names entry %s, named by an earlier visit", i, m[1])
		}
		seen[m[1]] = true
		if got := csrfRE.FindStringSubmatch(body); got == nil || got[1] != c.csrf {
			t.Fatalf("visit %d carries another session's CSRF token", i)
		}
	}
	_, before := lastViewed(t, f.h.Case)
	_, body := vic.get(page)
	if _, after := lastViewed(t, f.h.Case); after != before || recordedRE.MatchString(body) || !strings.Contains(body, "Your role does not show artefact content") {
		t.Errorf("a viewer's visit recorded a view or showed the line")
	}
}

// TestEventPageVisitsAtOnce: visitors at once each get the whole page naming
// their own view entry, and each view is recorded once.
func TestEventPageVisitsAtOnce(t *testing.T) {
	f := newFixture(t, "")
	page := firstEventPage(t, f)
	c := f.login(t, "ann")
	_, before := lastViewed(t, f.h.Case)
	const n = 12
	bodies := make([]string, n)
	var wg sync.WaitGroup
	for i := range bodies {
		wg.Go(func() { _, bodies[i] = c.get(page) })
	}
	wg.Wait()
	named := map[string]bool{}
	for _, b := range bodies {
		m := recordedRE.FindStringSubmatch(b)
		if m == nil || !strings.Contains(b, "</html>") {
			t.Fatalf("a visit got no whole page naming its view")
		}
		named[m[1]] = true
	}
	if _, after := lastViewed(t, f.h.Case); after != before+n || len(named) != n {
		t.Errorf("%d visits: %d views recorded, %d entries named", n, after-before, len(named))
	}
}

// TestKeptPagesFollowActivityAndContent: a view (an activity entry) leaves
// the sources page kept, but its badge counts the view as not yet checked;
// a tag (a content entry) on the event shows on its page at once.
func TestKeptPagesFollowActivityAndContent(t *testing.T) {
	f := newFixture(t, "")
	if _, err := f.srv.VerifyNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	page := firstEventPage(t, f)
	ann := f.login(t, "ann")
	rep, _, _ := f.srv.verify.state()
	newer := func() string { return " " + itoa(f.h.Log().Size()-rep.Entries) + " newer" }
	_, src := ann.get("/sources") // the token and the login came after the check
	if want := newer(); !strings.Contains(badgeOf(src), want) {
		t.Fatalf("the sources page's badge does not say %q: %s", want, badgeOf(src))
	}
	ann.get(page) // one view more
	_, src = ann.get("/sources")
	if want := newer(); !strings.Contains(badgeOf(src), want) {
		t.Errorf("the kept sources page's badge does not say %q: %s", want, badgeOf(src))
	}
	_, body := ann.get(page)
	m := targetRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no tag form on the event page")
	}
	resp, _ := ann.postForm("/annotations", url.Values{"csrf": {ann.csrf}, "action": {"tag"}, "target": {html.UnescapeString(m[1])}, "tag": {"seen twice"}, "back": {page}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("tag: %d", resp.StatusCode)
	}
	if _, body := ann.get(page); !strings.Contains(body, "seen twice") {
		t.Errorf("the event page does not show the tag just made")
	}
}

// TestKeptUsersPageFollowsTokenExpiry: the users and account pages are kept
// while the log does not grow, but not past the expiry of a token they list
// as active.
func TestKeptUsersPageFollowsTokenExpiry(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	f := newFixtureWith(t, "", func(s *Server) { s.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now } })
	_, rec, err := NewToken(t.Context(), f.h.Case, testExaminer, "ada", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ada := f.login(t, "ada")
	row := regexp.MustCompile(`<code>` + rec.ID + `</code>.*?<td>(active|expired)`)
	for _, p := range []string{"/users", "/account"} {
		ada.get(p)
		if _, body := ada.get(p); row.FindStringSubmatch(body) == nil || row.FindStringSubmatch(body)[1] != "active" {
			t.Fatalf("%s: the new token is not listed as active", p)
		}
	}
	mu.Lock()
	now = now.Add(time.Hour + time.Minute)
	mu.Unlock()
	for _, p := range []string{"/users", "/account"} {
		if _, body := ada.get(p); row.FindStringSubmatch(body) == nil || row.FindStringSubmatch(body)[1] != "expired" {
			t.Errorf("%s: the token is not listed as expired after its expiry", p)
		}
	}
}

// TestKeptFormsAreEachUsers: the forms kept by the page cache name the user
// who asks and offer what their role allows.
func TestKeptFormsAreEachUsers(t *testing.T) {
	f := newFixture(t, "")
	type user struct {
		name string
		*client
	}
	ann, ada, carl := user{"ann", f.login(t, "ann")}, user{"ada", f.login(t, "ada")}, user{"carl", f.login(t, "carl")}
	for _, p := range []string{"/account", "/notify", "/ingest"} {
		for _, c := range []user{ann, ada, carl, ann} {
			resp, body := c.get(p)
			if resp.StatusCode == http.StatusForbidden {
				continue
			}
			if got := csrfRE.FindStringSubmatch(body); got == nil || got[1] != c.csrf {
				t.Fatalf("%s carries another session's CSRF token", p)
			}
			if !strings.Contains(body, `href="/account">`+c.name+`<`) {
				t.Errorf("%s of %s does not name them", p, c.name)
			}
			if users := strings.Contains(body, `href="/users"`); users != (c.name == "ada") {
				t.Errorf("%s of %s: link to the users page %v", p, c.name, users)
			}
		}
	}
	if resp, _ := carl.get("/ingest"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("counsel's ingest form: %d, want 403", resp.StatusCode)
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
