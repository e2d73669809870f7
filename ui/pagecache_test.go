package ui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/annotate"
)

// TestPageCacheFollowsAppends reads pages and lists twice (the second
// answer comes from the page cache), then appends to the case behind the
// server's back, as a command run through the server's socket does: every
// page shows the append at once.
func TestPageCacheFollowsAppends(t *testing.T) {
	f := newFixture(t, "")
	ann := f.login(t, "ann")
	api := apiClient(t, f, "ann")
	pages := []string{"/notes", "/custody", "/events?q=newhost01", "/evidence", "/"}
	for _, p := range pages {
		_, first := ann.get(p)
		if _, again := ann.get(p); again != first {
			t.Errorf("%s: the second answer differs from the first", p)
		}
	}
	api.get("/api/v1/notes")
	api.get("/api/v1/events?q=newhost01")

	// A note, recorded directly in the case.
	_, err := annotate.Record(context.Background(), f.h.Case, testExaminer, mustPlan(t, f, annotate.NoteDraft{Title: "Written behind the server's back", Body: "x"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, body := ann.get("/notes"); !strings.Contains(body, "Written behind the server&#39;s back") {
		t.Errorf("the notes page does not show the note appended since it was last shown")
	}
	if _, body := api.get("/api/v1/notes"); !strings.Contains(body, "Written behind the server's back") {
		t.Errorf("the notes list does not show the note appended since it was last listed")
	}
	if _, body := ann.get("/custody"); !strings.Contains(body, annotate.KindNote) {
		t.Errorf("the custody log does not show the note's entry")
	}

	// A log, preserved and parsed directly in the case (the assessment is
	// not told, as with a command run through the socket).
	log := []byte("Nov 20 10:00:00 newhost01 sshd[1]: Failed password for root from 203.0.113.77 port 4000 ssh2\n")
	f.ingestAndParse(t, "newhost01.log", log)
	if _, body := ann.get("/events?q=newhost01"); !strings.Contains(body, "203.0.113.77") {
		t.Errorf("the events page does not show the event parsed since it was last shown")
	}
	if _, body := api.get("/api/v1/events?q=newhost01"); !strings.Contains(body, "203.0.113.77") {
		t.Errorf("the events list does not show the event parsed since it was last listed")
	}
	if _, body := ann.get("/evidence"); !strings.Contains(body, "newhost01.log") {
		t.Errorf("the evidence page does not show the artefact preserved since it was last shown")
	}
}

// TestPageCacheAnnotationShownAtOnce tags an event through the workbench
// after its page was kept: the page shows the tag on the next visit.
func TestPageCacheAnnotationShownAtOnce(t *testing.T) {
	f := newFixture(t, "")
	ann := f.login(t, "ann")
	page := "/events?indicator=89.160.20.130"
	ann.get(page)
	_, body := ann.get(page)
	m := annotLinkRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no annotate link on the events page")
	}
	ref, _ := url.QueryUnescape(m[1])
	resp, _ := ann.postForm("/annotations", url.Values{"csrf": {ann.csrf}, "action": {"tag"}, "target": {ref}, "tag": {"seen under load"}, "back": {page}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("tag: %d", resp.StatusCode)
	}
	if _, body := ann.get(page); !strings.Contains(body, "seen under load") {
		t.Errorf("the events page does not show the tag just made")
	}
}

// TestPageCacheSessionsKeepTheirOwn: a kept page carries the CSRF token of
// the session that asks, and names the user who asks, never those of the
// session it was first made for.
func TestPageCacheSessionsKeepTheirOwn(t *testing.T) {
	f := newFixture(t, "")
	ann, ann2, carl := f.login(t, "ann"), f.login(t, "ann"), f.login(t, "carl")
	for _, c := range []*client{ann, ann2, carl, ann} {
		_, body := c.get("/sources")
		got := csrfRE.FindAllStringSubmatch(body, -1)
		if len(got) == 0 {
			t.Fatal("no CSRF token on the sources page")
		}
		for _, m := range got {
			if m[1] != c.csrf {
				t.Errorf("a page carries the CSRF token %q, not the session's own", m[1])
			}
		}
		if strings.Contains(body, f.srv.pages.standIn[holeCSRF]) {
			t.Errorf("a page carries the cache's stand-in token")
		}
	}
	if _, body := carl.get("/sources"); !strings.Contains(body, `role-counsel">counsel<`) || strings.Contains(body, `href="/account">ann<`) {
		t.Errorf("counsel's sources page is not counsel's")
	}
	if _, body := ann.get("/sources"); !strings.Contains(body, `href="/account">ann<`) {
		t.Errorf("ann's sources page does not name ann")
	}
}

func mustPlan(t *testing.T, f *fixture, d annotate.NoteDraft) annotate.Change {
	t.Helper()
	var ch annotate.Change
	var err error
	if rerr := f.srv.annots.read(func(st *annotate.State) { ch, err = st.PlanNote(d) }); rerr != nil || err != nil {
		t.Fatal(rerr, err)
	}
	return ch
}

// apiClient is a client sending a fresh API token of user.
func apiClient(t *testing.T, f *fixture, user string) *client {
	t.Helper()
	tok, _, err := NewToken(context.Background(), f.h.Case, testExaminer, user, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c := f.anon(t)
	c.hc.Transport = bearer{tok}
	return c
}

type bearer struct{ tok string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", fmt.Sprint("Bearer ", b.tok))
	return http.DefaultTransport.RoundTrip(r)
}

// TestPageCacheConcurrentVisits: sessions asking at once for a page not
// yet kept each get the page whole, with their own token.
func TestPageCacheConcurrentVisits(t *testing.T) {
	f := newFixture(t, "")
	clients := []*client{f.login(t, "ann"), f.login(t, "ann"), f.login(t, "carl")}
	bodies := make([][]string, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		bodies[i] = make([]string, 8)
		for j := range bodies[i] {
			wg.Go(func() { _, bodies[i][j] = c.get("/sources?sort=indicator") })
		}
	}
	wg.Wait()
	for i, c := range clients {
		for _, b := range bodies[i] {
			m := csrfRE.FindStringSubmatch(b)
			if m == nil || m[1] != c.csrf || !strings.Contains(b, "</html>") {
				t.Fatalf("a concurrent visit got a page that is not whole or not its session's")
			}
		}
	}
}
