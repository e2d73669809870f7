package ui

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence"
)

func bearerGet(t *testing.T, f *fixture, path, tok string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", f.ts.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

var newTokenRE = regexp.MustCompile(`id="new-token">(cft_[A-Za-z0-9_-]+)<`)

// An analyst could mint a token for counsel and act as counsel. Now the
// workbench makes tokens only for the user asking, and every entry made
// with a token names it.
func TestTokenForAnotherUserRefused(t *testing.T) {
	f := newFixture(t, "")
	ann := f.login(t, "ann")
	before := entryKinds(t, f.h.Case)[KindUserToken]
	for _, other := range []string{"carl", "vic", "nobody"} {
		if resp, body := ann.postForm("/users/"+other+"/token", url.Values{"csrf": {ann.csrf}}); resp.StatusCode != http.StatusForbidden || newTokenRE.MatchString(body) {
			t.Errorf("ann minting a token for %s: %d", other, resp.StatusCode)
		}
	}
	if n := entryKinds(t, f.h.Case)[KindUserToken]; n != before {
		t.Fatalf("%d tokens made for others", n-before)
	}
	resp, body := ann.postForm("/users/ann/token", url.Values{"csrf": {ann.csrf}, "days": {"7"}})
	m := newTokenRE.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("ann's own token: %d", resp.StatusCode)
	}
	u, tok, err := lookupToken(f.h.Case, m[1], time.Now())
	if err != nil || u.Name != "ann" {
		t.Fatalf("the new token: %v", err)
	}
	if exp, _ := time.Parse(time.RFC3339, tok.Expires); time.Until(exp) < 6*24*time.Hour || time.Until(exp) > 7*24*time.Hour {
		t.Errorf("expires %s, want in 7 days", tok.Expires)
	}
	// A content view made with the token names it.
	if code := bearerGet(t, f, "/evidence/"+f.auth.Hex()+"/content", m[1]); code != http.StatusOK {
		t.Fatalf("content with the token: %d", code)
	}
	var last *evidence.Entry
	f.h.Case.Entries(0, func(e *evidence.Entry) error {
		if e.Kind == KindEvidenceViewed {
			last = e
		}
		return nil
	})
	if last == nil || !strings.Contains(last.Actor, "API token "+tok.ID) {
		t.Errorf("the view's entry does not name the token %s: %+v", tok.ID, last)
	}
}

func TestExpiredAndRevokedTokensRefused(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	f := newFixtureWith(t, "", func(s *Server) { s.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now } })
	short, _, err := NewToken(t.Context(), f.h.Case, testExaminer, "carl", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	long, longRec, err := NewToken(t.Context(), f.h.Case, testExaminer, "vic", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{short, long} {
		if code := bearerGet(t, f, "/api/v1/verify", tok); code != http.StatusOK {
			t.Fatalf("fresh token: %d", code)
		}
	}
	mu.Lock()
	now = time.Now().Add(time.Hour + time.Minute)
	mu.Unlock()
	if code := bearerGet(t, f, "/api/v1/verify", short); code != http.StatusUnauthorized {
		t.Errorf("expired token: %d, want 401", code)
	}
	if code := bearerGet(t, f, "/api/v1/verify", long); code != http.StatusOK {
		t.Errorf("30-day token after an hour: %d", code)
	}
	// Revoked in the workbench by an admin (any user's token), recorded,
	// refused from then on.
	ann := f.login(t, "ada")
	resp, body := ann.postForm("/tokens/"+longRec.ID+"/revoke", url.Values{"csrf": {ann.csrf}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "revoked") {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if code := bearerGet(t, f, "/api/v1/verify", long); code != http.StatusUnauthorized {
		t.Errorf("revoked token: %d, want 401", code)
	}
	if entryKinds(t, f.h.Case)[KindUserTokenRevoked] != 1 {
		t.Error("no user.token_revoked entry")
	}
	if resp, _ := ann.postForm("/tokens/"+longRec.ID+"/revoke", url.Values{"csrf": {ann.csrf}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("revoking twice: %d", resp.StatusCode)
	}
	carl := f.login(t, "carl")
	if resp, _ := carl.postForm("/tokens/"+longRec.ID+"/revoke", url.Values{"csrf": {carl.csrf}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("counsel revoking vic's token: %d", resp.StatusCode)
	}
	_, shortRec, err := findToken(f.h.Case, tokenHash(short))
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := carl.postForm("/tokens/"+shortRec.ID+"/revoke", url.Values{"csrf": {carl.csrf}}); resp.StatusCode != http.StatusOK || !strings.Contains(body, "revoked") {
		t.Errorf("counsel revoking their own token: %d", resp.StatusCode)
	}
	if resp, _ := ann.postForm("/tokens/zzzzzz/revoke", url.Values{"csrf": {ann.csrf}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("revoking no token: %d", resp.StatusCode)
	}
	// The users page lists them with their state.
	_, page := ann.get("/users")
	for _, want := range []string{longRec.ID, "revoked"} {
		if !strings.Contains(page, want) {
			t.Errorf("users page lacks %q", want)
		}
	}
	if rep, err := f.srv.VerifyNow(t.Context()); err != nil || !rep.OK {
		t.Errorf("verify after tokens and a revocation: %+v %v", rep, err)
	}
}
