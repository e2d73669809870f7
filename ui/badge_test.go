package ui

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence"
)

// The badge's "intact" holds for the log as checked: entries added since
// (views, uploads, notes) are counted as not yet checked, and a new check
// covers them.
func TestBadgeCountsNewerEntries(t *testing.T) {
	f := newFixture(t, "")
	c := f.login(t, "ann")
	check := func() string {
		c.postForm("/verify", url.Values{"csrf": {c.csrf}})
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if rep, _, busy := f.srv.verify.state(); rep != nil && !busy {
				break
			}
		}
		_, page := c.get("/")
		return page
	}
	if page := check(); !strings.Contains(page, "intact · checked") || strings.Contains(page, "newer") {
		t.Fatalf("after a check: %s", badgeOf(page))
	}
	if _, err := f.h.Append(context.Background(), evidence.Draft{Kind: "note.added", Actor: testExaminer, Payload: map[string]string{"text": "after the check"}}); err != nil {
		t.Fatal(err)
	}
	_, page := c.get("/")
	if !strings.Contains(page, "· 1 newer") || !strings.Contains(page, "1 newer entries (from #") {
		t.Fatalf("an entry after the check: %s", badgeOf(page))
	}
	if page := check(); strings.Contains(page, "newer") {
		t.Fatalf("after a new check: %s", badgeOf(page))
	}
}

func badgeOf(page string) string {
	i := strings.Index(page, `<div class="badge`)
	if i < 0 {
		return "(no badge)"
	}
	j := strings.Index(page[i:], "</div>")
	return page[i : i+j]
}
