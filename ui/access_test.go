package ui

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/annotate"
)

// route is one route with a request that exercises it.
type route struct {
	method, path string
	need         perm
	form         url.Values // for POST
}

func allRoutes(f *fixture) []route {
	a := f.auth.Hex()
	return []route{
		{"GET", "/", permRead, nil},
		{"GET", "/evidence", permRead, nil},
		{"GET", "/evidence/" + a, permRead, nil},
		{"GET", "/evidence/" + a + "/content", permContent, nil},
		{"GET", "/evidence/" + a + "/content?mode=hex", permContent, nil},
		{"GET", "/events", permRead, nil},
		{"GET", "/sources", permRead, nil},
		{"GET", "/sources/185.220.101.4", permRead, nil},
		{"GET", "/graph", permRead, nil},
		{"GET", "/graph/data.json", permRead, nil},
		{"GET", "/custody", permRead, nil},
		{"GET", "/custody/1", permRead, nil},
		{"GET", "/ingest", permIngest, nil},
		{"GET", "/export", permExport, nil},
		{"GET", "/enrich", permIngest, nil},
		{"POST", "/enrich", permIngest, url.Values{"dataset": {"sha256:" + a}}},
		{"GET", "/notify", permExport, nil},
		{"GET", "/users", permAdmin, nil},
		{"POST", "/verify", permVerify, url.Values{}},
		{"POST", "/export", permExport, url.Values{"recipient": {"Police"}, "purpose": {"complaint"}, "scope": {"all"}}},
		{"POST", "/notify", permExport, url.Values{"org": {"Acme"}, "contact": {"soc@acme.example"}, "tlp": {"amber"}}},
		{"POST", "/users", permAdmin, url.Values{"name": {"newuser"}, "role": {"viewer"}, "password": {"long enough password"}}},
		{"POST", "/users/vic/disable", permAdmin, url.Values{}},
		{"POST", "/users/vic/enable", permAdmin, url.Values{}},
		{"POST", "/users/carl/role", permAdmin, url.Values{"role": {"viewer"}}},
		{"POST", "/users/carl/role", permAdmin, url.Values{"role": {"counsel"}}},
		{"POST", "/users/carl/revoke-tokens", permAdmin, url.Values{}},
		{"GET", "/account", permRead, nil},
		{"POST", "/sources/185.220.101.4/override", permIngest, url.Values{"role": {"anonymization-relay"}, "rationale": {"a Tor exit"}}},
		{"GET", "/annotate?target=185.220.101.4", permRead, nil},
		{"GET", "/notes", permRead, nil},
		{"GET", "/notes/" + f.note(0), permRead, nil},
		{"GET", "/iocs", permRead, nil},
		{"POST", "/annotations", permAnnotate, url.Values{"action": {"star"}, "target": {"sha256:" + a + "#L1"}}},
		{"POST", "/annotations/comment", permComment, url.Values{"target": {"185.220.101.4"}, "text": {"seen before"}}},
		{"POST", "/notes", permAnnotate, url.Values{"title": {"Matrix"}, "body": {"a note"}}},
		{"POST", "/notes/" + f.note(0), permAnnotate, url.Values{"title": {"Matrix v2"}, "body": {"a new version"}}},
		{"POST", "/notes/" + f.note(1) + "/withdraw", permAnnotate, url.Values{}},
		{"POST", "/iocs", permAnnotate, url.Values{"indicator": {"198.51.100.7"}, "tlp": {"green"}}},
		{"POST", "/iocs/remove", permAnnotate, url.Values{"indicator": {"198.51.100.7"}}},
		{"POST", "/sources/views", permIngest, url.Values{"name": {"Tor"}, "query": {"q=185.220"}}},
		{"POST", "/assess", permIngest, url.Values{}},
		{"GET", "/sources?country=DE&logins=1&sort=asn", permRead, nil},
		{"GET", "/api/v1/verify", permRead, nil},
		{"POST", "/api/v1/verify", permVerify, url.Values{}},
		{"GET", "/api/v1/log?limit=5", permRead, nil},
		{"GET", "/api/v1/artefacts", permRead, nil},
		{"GET", "/api/v1/artefacts/" + a, permRead, nil},
		{"GET", "/api/v1/events?limit=5", permRead, nil},
		{"GET", "/api/v1/indicators?limit=5", permRead, nil},
		{"GET", "/api/v1/assessment?limit=5", permRead, nil},
		{"GET", "/api/v1/assessment/185.220.101.4", permRead, nil},
		{"GET", "/api/v1/sources?kind=auth&limit=5", permRead, nil},
		{"GET", "/api/v1/datasets", permRead, nil},
		{"POST", "/api/v1/enrich", permIngest, url.Values{"dataset": {"sha256:" + a}}},
		{"POST", "/api/v1/assessment", permIngest, url.Values{}},
		{"GET", "/api/v1/graph", permRead, nil},
		{"GET", "/api/v1/exports", permExport, nil},
		{"GET", "/api/v1/annotations", permRead, nil},
		{"GET", "/api/v1/notes", permRead, nil},
		{"GET", "/api/v1/iocs", permRead, nil},
	}
}

func (c *client) request(r route, withCSRF bool) *http.Response {
	c.t.Helper()
	if r.method == "GET" {
		resp, _ := c.get(r.path)
		return resp
	}
	v := url.Values{}
	for k, x := range r.form {
		v[k] = x
	}
	if withCSRF {
		v.Set("csrf", c.csrf)
	}
	resp, _ := c.postForm(r.path, v)
	return resp
}

// matrix is the roles matrix as the design states it, written out so that a
// change to roleCan shows up here.
var matrix = map[string]map[perm]bool{
	RoleAdmin:   {permRead: true, permContent: true, permVerify: true, permExport: true, permIngest: true, permAdmin: true, permAnnotate: true, permComment: true},
	RoleAnalyst: {permRead: true, permContent: true, permVerify: true, permExport: true, permIngest: true, permAnnotate: true, permComment: true},
	RoleCounsel: {permRead: true, permContent: true, permVerify: true, permExport: true, permComment: true},
	RoleViewer:  {permRead: true},
}

// TestRolesMatrix runs every route as every role, and without a session.
func TestRolesMatrix(t *testing.T) {
	f := newFixture(t, "")
	users := map[string]string{"ann": RoleAnalyst, "carl": RoleCounsel, "vic": RoleViewer, "ada": RoleAdmin}
	// A change two roles may make (a star, a withdrawal) is refused as a
	// conflict the second time: it must have worked for one of them.
	repeated, worked := map[string]bool{}, map[string]bool{}
	for name, role := range users {
		c := f.login(t, name)
		for _, r := range allRoutes(f) {
			resp := c.request(r, true)
			allowed := matrix[role][r.need]
			ok := resp.StatusCode < 400
			key := r.method + " " + r.path
			worked[key] = worked[key] || ok
			if allowed && r.method == "POST" && (resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusConflict) {
				repeated[key] = true
				continue
			}
			if ok != allowed {
				t.Errorf("%s (%s) %s %s: status %d, allowed=%v", name, role, r.method, r.path, resp.StatusCode, allowed)
			}
			if !allowed && resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s %s: status %d, want 403", role, r.method, r.path, resp.StatusCode)
			}
		}
		// Every role makes API tokens for itself (the Account page), and
		// only for itself.
		if resp := c.request(route{"POST", "/users/" + name + "/token", permRead, url.Values{}}, true); resp.StatusCode != http.StatusOK {
			t.Errorf("%s making a token for themselves: %d", name, resp.StatusCode)
		}
		other := map[bool]string{true: "ann", false: "vic"}[name != "ann"]
		if resp := c.request(route{"POST", "/users/" + other + "/token", permRead, url.Values{}}, true); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s making a token for %s: %d", name, other, resp.StatusCode)
		}
	}
	for key := range repeated {
		if !worked[key] {
			t.Errorf("%s worked for no role", key)
		}
	}
	// No route works without a session: pages go to the login form, the API
	// and every POST answer 401.
	anon := f.anon(t)
	for _, r := range allRoutes(f) {
		resp := anon.request(r, false)
		switch {
		case strings.HasPrefix(r.path, "/api/") || r.method == "POST":
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("anonymous %s %s: %d, want 401", r.method, r.path, resp.StatusCode)
			}
		default:
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
				t.Errorf("anonymous %s %s: %d %s, want a redirect to the login", r.method, r.path, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	}
	// Counsel cannot ingest, by form or by API token.
	carl := f.login(t, "carl")
	if resp := carl.upload(t, "x.log", []byte("hello\n"), true); resp.StatusCode != http.StatusForbidden {
		t.Errorf("counsel upload: %d", resp.StatusCode)
	}
	if n := entryKinds(t, f.h.Case)["artefact.ingested"]; n != 3 {
		t.Errorf("artefacts ingested: %d, want the fixture's 3", n)
	}
}

// TestCSRF rejects state-changing requests without the session's token.
func TestCSRF(t *testing.T) {
	f := newFixture(t, "")
	c := f.login(t, "ann")
	f.note(0) // the notes the routes name exist before the count
	before := entryKinds(t, f.h.Case)
	for _, r := range allRoutes(f) {
		if r.method != "POST" {
			continue
		}
		if resp := c.request(r, false); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s without CSRF token: %d, want 403", r.path, resp.StatusCode)
		}
		v := url.Values{"csrf": {"forged"}}
		if resp, _ := c.postForm(r.path, v); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s with a forged token: %d", r.path, resp.StatusCode)
		}
	}
	if resp := c.upload(t, "x.log", []byte("x\n"), false); resp.StatusCode != http.StatusForbidden {
		t.Errorf("upload without CSRF: %d", resp.StatusCode)
	}
	// A multipart body elsewhere does not skip the check.
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("name", "mallory")
	mw.WriteField("role", "analyst")
	mw.WriteField("password", "mallory's password")
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+"/users", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if resp, _ := c.do(req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("multipart POST /users without CSRF: %d", resp.StatusCode)
	}
	// Logout without a token does not end the session.
	if resp, _ := c.postForm("/logout", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("logout without CSRF: %d", resp.StatusCode)
	}
	after := entryKinds(t, f.h.Case)
	for _, k := range []string{"artefact.ingested", "export.created", KindUserAdded, KindUserToken, annotate.KindMark, annotate.KindNote, annotate.KindIOC, annotate.KindWithdrawn} {
		if after[k] != before[k] {
			t.Errorf("%s changed from %d to %d without a CSRF token", k, before[k], after[k])
		}
	}
	// Login needs its form token too.
	anon := f.anon(t)
	resp, _ := anon.postForm("/login", url.Values{"user": {"ann"}, "password": {testPassword}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("login without form token: %d", resp.StatusCode)
	}
}

// upload posts one file through the ingest form.
func (c *client) upload(t testing.TB, name string, data []byte, withCSRF bool) *http.Response {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if withCSRF {
		mw.WriteField("csrf", c.csrf)
	}
	mw.WriteField("source", "test upload")
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{`form-data; name="files"; filename="` + strings.ReplaceAll(name, `"`, `\"`) + `"`}
	h["Content-Type"] = []string{"application/octet-stream"}
	w, _ := mw.CreatePart(h)
	w.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+"/ingest", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, _ := c.do(req)
	return resp
}

func TestLoginRecordsCustody(t *testing.T) {
	f := newFixture(t, "")
	before := entryKinds(t, f.h.Case)
	c := f.login(t, "carl")
	anon := f.anon(t)
	_, body := anon.get("/login")
	tok := csrfRE.FindStringSubmatch(body)[1]
	resp, _ := anon.postForm("/login", url.Values{"csrf": {tok}, "user": {"carl"}, "password": {"wrong password!"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "failed=1") {
		t.Fatalf("failed login: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	anon.postForm("/login", url.Values{"csrf": {tok}, "user": {"<b>nobody</b>"}, "password": {"whatever1234"}})
	if resp, _ := c.postForm("/logout", url.Values{"csrf": {c.csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if resp, _ := c.get("/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("session still valid after logout: %d", resp.StatusCode)
	}
	f.srv.flushLoginFailures(true) // the failures of one source are one entry
	after := entryKinds(t, f.h.Case)
	for k, want := range map[string]int{KindUserLogin: 1, KindUserLoginFailed: 1, KindUserLogout: 1} {
		if got := after[k] - before[k]; got != want {
			t.Errorf("%s: %d new entries, want %d", k, got, want)
		}
	}
	// It names the names that failed, not those that logged in.
	var failed *evidence.Entry
	f.h.Case.Entries(0, func(e *evidence.Entry) error {
		if e.Kind == KindUserLoginFailed {
			failed = e
		}
		return nil
	})
	if want := `"failed":2,`; !strings.Contains(string(failed.Payload), want) ||
		!strings.Contains(string(failed.Payload), `"users":["<b>nobody</b>","carl"]`) {
		t.Errorf("summary: %s", failed.Payload)
	}
	// Cookies: HttpOnly, SameSite=Strict.
	anon2 := f.anon(t)
	_, body = anon2.get("/login")
	tok = csrfRE.FindStringSubmatch(body)[1]
	resp, _ = anon2.postForm("/login", url.Values{"csrf": {tok}, "user": {"vic"}, "password": {testPassword}})
	var sc string
	for _, v := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(v, sessionCookie+"=") {
			sc = v
		}
	}
	if !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Strict") || strings.Contains(sc, "Secure") {
		t.Errorf("session cookie without TLS: %s", sc)
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t, "")
	for _, p := range []string{"/login", "/", "/static/app.css", "/nope"} {
		resp, err := http.Get(f.ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", p, resp.Header)
		}
	}
}

func TestAPIToken(t *testing.T) {
	f := newFixture(t, "")
	tok, _, err := NewToken(t.Context(), f.h.Case, testExaminer, "carl", 0)
	if err != nil {
		t.Fatal(err)
	}
	get := func(path, token string) *http.Response {
		req, _ := http.NewRequest("GET", f.ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := get("/api/v1/log?limit=2&offset=1", tok)
	var page struct {
		Entries []evidence.LogLine `json:"entries"`
		Total   int                `json:"total"`
	}
	json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(page.Entries) != 2 || page.Entries[0].Index != 1 || page.Total < 10 {
		t.Errorf("log page: %d %+v", resp.StatusCode, page)
	}
	if resp := get("/api/v1/verify", tok+"x"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", resp.StatusCode)
	}
	// A token needs no CSRF token (a browser never sends it by itself), but
	// the role still applies: counsel cannot add users.
	req, _ := http.NewRequest("POST", f.ts.URL+"/users", strings.NewReader("name=x&role=analyst&password=xxxxxxxxxxxx"))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ = http.DefaultClient.Do(req)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("counsel token adding a user: %d", resp.StatusCode)
	}
	// Export through the API, then download.
	body := strings.NewReader(`{"recipient":"Police","purpose":"complaint","indicators":["185.220.101.4"]}`)
	req, _ = http.NewRequest("POST", f.ts.URL+"/api/v1/exports", body)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, _ = http.DefaultClient.Do(req)
	var created struct {
		ID, Download string
		Entry        uint64
	}
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || created.Download == "" {
		t.Fatalf("export: %d %+v", resp.StatusCode, created)
	}
	resp = get(created.Download, tok)
	var head [2]byte
	resp.Body.Read(head[:])
	resp.Body.Close()
	if resp.StatusCode != 200 || head != [2]byte{0x1f, 0x8b} {
		t.Errorf("download: %d %x", resp.StatusCode, head)
	}
}
