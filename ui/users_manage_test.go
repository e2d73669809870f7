package ui

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
)

// loggedIn reports whether c's session still opens the overview.
func loggedIn(c *client) bool {
	resp, _ := c.get("/")
	return resp.StatusCode == http.StatusOK
}

// An admin disables a user: the user's open session and token stop at
// once and the password no longer logs in; enabled again, the token works
// and the user logs in. A role change applies to the open session. Each
// change is an entry naming the admin; an admin does not change their own
// account in the workbench.
func TestAdminDisablesEnablesAndChangesRoles(t *testing.T) {
	f := newFixture(t, "")
	ada, vic, carl := f.login(t, "ada"), f.login(t, "vic"), f.login(t, "carl")
	tok, _, err := NewToken(t.Context(), f.h.Case, testExaminer, "vic", 0)
	if err != nil {
		t.Fatal(err)
	}
	post := func(path string, v url.Values) (int, string) {
		t.Helper()
		if v == nil {
			v = url.Values{}
		}
		v.Set("csrf", ada.csrf)
		resp, body := ada.postForm(path, v)
		return resp.StatusCode, body
	}
	if code, body := post("/users/vic/disable", url.Values{"reason": {"left the team"}}); code != http.StatusOK || !strings.Contains(body, "vic: disabled") {
		t.Fatalf("disable: %d", code)
	}
	if loggedIn(vic) {
		t.Error("a disabled user's session still works")
	}
	if code := bearerGet(t, f, "/api/v1/verify", tok); code != http.StatusUnauthorized {
		t.Errorf("a disabled user's token: %d", code)
	}
	c := f.anon(t)
	_, body := c.get("/login")
	m := csrfRE.FindStringSubmatch(body)
	if resp, _ := c.postForm("/login", url.Values{"csrf": {m[1]}, "user": {"vic"}, "password": {testPassword}}); resp.Header.Get("Location") == "/" {
		t.Error("a disabled user logged in")
	}
	if code, _ := post("/users/vic/disable", nil); code != http.StatusConflict {
		t.Errorf("disabling twice: %d", code)
	}
	if code, _ := post("/users/vic/enable", nil); code != http.StatusOK {
		t.Fatalf("enable: %d", code)
	}
	if code := bearerGet(t, f, "/api/v1/verify", tok); code != http.StatusOK {
		t.Errorf("the token once enabled again: %d", code)
	}
	f.login(t, "vic")

	if resp, _ := carl.get("/evidence/" + f.auth.Hex() + "/content"); resp.StatusCode != http.StatusOK {
		t.Fatalf("counsel reading content: %d", resp.StatusCode)
	}
	if code, _ := post("/users/carl/role", url.Values{"role": {"viewer"}}); code != http.StatusOK {
		t.Fatalf("role: %d", code)
	}
	if resp, _ := carl.get("/evidence/" + f.auth.Hex() + "/content"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer now, carl's open session still reads content: %d", resp.StatusCode)
	}
	if code, _ := post("/users/carl/role", url.Values{"role": {"boss"}}); code != http.StatusBadRequest {
		t.Errorf("an unknown role: %d", code)
	}
	if code, _ := post("/users/ada/disable", nil); code != http.StatusConflict {
		t.Errorf("an admin disabling themselves: %d", code)
	}
	if code, _ := post("/users/vic/revoke-tokens", nil); code != http.StatusOK {
		t.Errorf("revoke all: %d", code)
	}
	if code := bearerGet(t, f, "/api/v1/verify", tok); code != http.StatusUnauthorized {
		t.Errorf("a token revoked with all of its user's: %d", code)
	}
	kinds := map[string]int{}
	f.h.Case.Entries(0, func(e *evidence.Entry) error {
		if strings.HasPrefix(e.Kind, "user.") && e.Kind != KindUserLogin && e.Kind != KindUserAdded && e.Kind != KindUserToken {
			kinds[e.Kind]++
			if !strings.HasPrefix(e.Actor, "ada (workbench, admin)") {
				t.Errorf("%s by %q, want ada", e.Kind, e.Actor)
			}
		}
		return nil
	})
	if kinds[KindUserDisabled] != 1 || kinds[KindUserEnabled] != 1 || kinds[KindUserRoleChanged] != 1 || kinds[KindUserTokenRevoked] != 1 {
		t.Errorf("entries: %v", kinds)
	}
	_, page := ada.get("/users")
	if !strings.Contains(page, `id="user-vic"`) || !strings.Contains(page, "never") {
		t.Error("users page lacks vic, or the last login of a user who never logged in")
	}
	if rep, err := f.srv.VerifyNow(t.Context()); err != nil || !rep.OK {
		t.Errorf("verify after the changes: %+v %v", rep, err)
	}
}

// Sessions are kept in the case store: a new server on the same case
// takes the cookie of the old one; logging out, or the user disabled (from
// the command line, without the server), ends it.
func TestSessionsSurviveARestart(t *testing.T) {
	f := newFixture(t, "")
	ann, vic := f.login(t, "ann"), f.login(t, "vic")
	restart := func() {
		t.Helper()
		srv, err := New(Config{Case: f.h, Actor: testExaminer, TempDir: t.TempDir(), SkipStartVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(srv)
		t.Cleanup(func() { ts.Close(); srv.Close() })
		old, _ := url.Parse(f.ts.URL)
		nu, _ := url.Parse(ts.URL)
		for _, c := range []*client{ann, vic} {
			c.hc.Jar.SetCookies(nu, c.hc.Jar.Cookies(old))
			c.base = ts.URL
		}
		f.ts.Close()
		f.srv.Close()
		f.srv, f.ts = srv, ts
	}
	restart()
	if !loggedIn(ann) || !loggedIn(vic) {
		t.Fatal("the sessions ended with the server")
	}
	// The CSRF token is kept too: a form of the old server still posts.
	if resp, _ := ann.postForm("/verify", url.Values{"csrf": {ann.csrf}}); resp.StatusCode >= 400 {
		t.Errorf("a form after the restart: %d", resp.StatusCode)
	}
	if _, err := DisableUser(t.Context(), f.h.Case, testExaminer, "vic", ""); err != nil {
		t.Fatal(err)
	}
	if loggedIn(vic) {
		t.Error("a disabled user's session survived")
	}
	if _, err := EnableUser(t.Context(), f.h.Case, testExaminer, "vic"); err != nil {
		t.Fatal(err)
	}
	if loggedIn(vic) {
		t.Error("enabling the user brought an ended session back")
	}
	ann.postForm("/logout", url.Values{"csrf": {ann.csrf}})
	restart()
	if loggedIn(ann) {
		t.Error("a session logged out works after a restart")
	}
	// Only a hash of the cookie is stored.
	cks := vic.hc.Jar.Cookies(mustURL(f.ts.URL))
	if len(cks) == 0 {
		t.Fatal("no cookie to look for")
	}
	for _, ck := range cks {
		f.h.Case.Derived().Scan([]byte(prefixSession), nil, func(k, v []byte) error {
			if strings.Contains(string(k)+string(v), ck.Value) {
				t.Errorf("the cookie value is stored")
			}
			return nil
		})
	}
}

func mustURL(s string) *url.URL {
	u, _ := url.Parse(s)
	return u
}
