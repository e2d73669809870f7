package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence/annotate"
)

// note returns (making them on first use) the number of one of the
// fixture's two case notes, for the access matrix.
func (f *fixture) note(i int) string {
	if f.notes[0] == 0 {
		for j := range f.notes {
			_, err := f.srv.annots.record(context.Background(), testExaminer, func(st *annotate.State) (annotate.Change, error) {
				return st.PlanNote(annotate.NoteDraft{Title: fmt.Sprint("Fixture note ", j), Body: "fixture"})
			})
			if err != nil {
				panic(err)
			}
			_ = f.srv.annots.read(func(st *annotate.State) { ns := st.Notes(); f.notes[j] = ns[len(ns)-1].Entry })
		}
	}
	return strconv.FormatUint(f.notes[i], 10)
}

// TestAnnotateEventAndWriteNote tags an event found on the events page,
// comments on it as counsel, writes a note citing it, and finds all of it
// on the pages and in the custody log; hostile Markdown is not rendered.
func TestAnnotateEventAndWriteNote(t *testing.T) {
	f := newFixture(t, "")
	ann := f.login(t, "ann")
	_, body := ann.get("/events?indicator=" + url.QueryEscape("89.160.20.130"))
	m := annotLinkRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no annotate link on the events page:\n%s", body)
	}
	ref, _ := url.QueryUnescape(m[1])
	if !strings.HasPrefix(ref, "sha256:"+f.auth.Hex()+"#L") {
		t.Fatalf("event target %q", ref)
	}
	post := func(c *client, path string, v url.Values) (*http.Response, string) {
		t.Helper()
		v.Set("csrf", c.csrf)
		return c.postForm(path, v)
	}
	resp, _ := post(ann, "/annotations", url.Values{"action": {"tag"}, "target": {ref}, "tag": {"the login"}, "back": {"/events?indicator=89.160.20.130"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/events?indicator=89.160.20.130" {
		t.Fatalf("tag: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body = ann.get("/events?indicator=89.160.20.130"); !strings.Contains(body, `<span class="tag">the login</span>`) {
		t.Errorf("the events page does not show the tag")
	}
	resp, body = post(ann, "/annotations", url.Values{"action": {"tag"}, "target": {ref}, "tag": {"the login"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "already tagged") {
		t.Errorf("second identical tag: %d", resp.StatusCode)
	}
	carl := f.login(t, "carl")
	if resp, _ := post(carl, "/annotations/comment", url.Values{"target": {ref}, "text": {"<b>privileged</b> — check with the client"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("counsel's comment: %d", resp.StatusCode)
	}
	if resp, _ := post(carl, "/annotations", url.Values{"action": {"tag"}, "target": {ref}, "tag": {"x"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("counsel's tag: %d, want 403", resp.StatusCode)
	}
	_, body = ann.get("/annotate?target=" + url.QueryEscape(ref))
	if !strings.Contains(body, "&lt;b&gt;privileged&lt;/b&gt;") || strings.Contains(body, "<b>privileged") {
		t.Errorf("the comment is not shown escaped")
	}

	resp, _ = post(ann, "/notes", url.Values{"title": {"The one successful login"}, "body": {"deploy logged in **once**.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2))"},
		"cites": {ref + "\n89.160.20.130"}, "for_report": {"1"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/notes/") {
		t.Fatalf("note: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	loc := resp.Header.Get("Location")
	_, body = ann.get(loc)
	for _, want := range []string{"<strong>once</strong>", "raw HTML omitted", "line " + strings.TrimPrefix(ref[strings.Index(ref, "#L"):], "#L"), "for the report"} {
		if !strings.Contains(body, want) {
			t.Errorf("the note page lacks %q", want)
		}
	}
	article, _, _ := strings.Cut(body[strings.Index(body, `<article class="note-body">`):], "</article>")
	if strings.Contains(body, "<script>alert(1)") || strings.Contains(article, "javascript:") || !strings.Contains(article, `<a href="">x</a>`) {
		t.Errorf("the note page renders active content:\n%s", article)
	}
	resp, body = post(ann, "/notes", url.Values{"title": {"Bad"}, "body": {"x"}, "cites": {"sha256:" + strings.Repeat("0", 64) + "#L1"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "the case holds no artefact") || !strings.Contains(body, `value="Bad"`) {
		t.Errorf("note citing an unknown artefact: %d", resp.StatusCode)
	}
	// A new version supersedes the note; the first stays in the log.
	resp, _ = post(ann, loc, url.Values{"title": {"The one successful login"}, "body": {"second version"}, "cites": {ref}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") == loc {
		t.Fatalf("new version: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := ann.get(loc); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the old version's page: %d, want a redirect to the current one", resp.StatusCode)
	}
	_, body = ann.get("/notes")
	if strings.Count(body, "The one successful login") != 1 || !strings.Contains(body, "v2") {
		t.Errorf("the notes list does not show one note in its second version")
	}

	// The IOC list.
	if resp, _ := post(ann, "/iocs", url.Values{"indicator": {"185.220.101.33"}, "tlp": {"green"}, "comment": {"Tor exit"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("ioc add: %d", resp.StatusCode)
	}
	resp, body = post(ann, "/iocs", url.Values{"indicator": {"185.220.101.33"}, "tlp": {"purple"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "TLP &#34;purple&#34;") {
		t.Errorf("bad TLP: %d", resp.StatusCode)
	}
	if _, body = ann.get("/iocs"); !strings.Contains(body, "TLP:green") || !strings.Contains(body, "185.220.101.33") {
		t.Errorf("the IOC page does not list the indicator")
	}
	// The source and artefact pages show their annotation blocks.
	post(ann, "/annotations", url.Values{"action": {"star"}, "target": {"sha256:" + f.auth.Hex()}})
	if _, body = ann.get("/evidence/" + f.auth.Hex()); !strings.Contains(body, "★ starred") {
		t.Errorf("the artefact page does not show the star")
	}
	k := entryKinds(t, f.h.Case)
	if k[annotate.KindMark] != 3 || k[annotate.KindNote] != 2 || k[annotate.KindIOC] != 1 {
		t.Errorf("entries: %v", k)
	}
}

var annotLinkRE = regexp.MustCompile(`href="/annotate\?target=([^"&]+)&amp;offset=\d+"[^>]*>annotate</a>`)

// TestAnnotationsAPI writes and reads annotations with API tokens, as the
// roles allow.
func TestAnnotationsAPI(t *testing.T) {
	f := newFixture(t, "")
	call := func(user, method, path string, body any) (int, map[string]any) {
		t.Helper()
		tok, _, err := NewToken(t.Context(), f.h.Case, testExaminer, user, 0)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, f.ts.URL+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	src := "185.220.101.33"
	if st, out := call("ann", "POST", "/api/v1/annotations", map[string]any{"action": "tag", "target": src, "tag": "tor"}); st != http.StatusCreated || out["kind"] != annotate.KindMark {
		t.Errorf("analyst tag: %d %v", st, out)
	}
	if st, _ := call("carl", "POST", "/api/v1/annotations", map[string]any{"action": "tag", "target": src, "tag": "x"}); st != http.StatusForbidden {
		t.Errorf("counsel tag: %d", st)
	}
	if st, _ := call("carl", "POST", "/api/v1/annotations/comment", map[string]any{"target": src, "text": "privileged"}); st != http.StatusCreated {
		t.Errorf("counsel comment: %d", st)
	}
	if st, _ := call("vic", "POST", "/api/v1/annotations/comment", map[string]any{"target": src, "text": "x"}); st != http.StatusForbidden {
		t.Errorf("viewer comment: %d", st)
	}
	if st, out := call("ann", "POST", "/api/v1/annotations", map[string]any{"action": "comment", "target": src, "text": "x"}); st != http.StatusBadRequest {
		t.Errorf("a comment through the tag route: %d %v", st, out)
	}
	if st, out := call("ann", "POST", "/api/v1/notes", map[string]any{"title": "API note", "body": "text", "cites": []string{src}}); st != http.StatusCreated {
		t.Errorf("note: %d %v", st, out)
	}
	if st, out := call("ann", "POST", "/api/v1/iocs", map[string]any{"indicator": src, "tlp": "red"}); st != http.StatusCreated {
		t.Errorf("ioc: %d %v", st, out)
	}
	if st, out := call("ann", "POST", "/api/v1/iocs", map[string]any{"indicator": "x", "bogus": 1}); st != http.StatusBadRequest {
		t.Errorf("unknown field: %d %v", st, out)
	}
	st, out := call("vic", "GET", "/api/v1/annotations?target="+src, nil)
	if marks, _ := out["marks"].([]any); st != http.StatusOK || len(marks) != 2 {
		t.Errorf("viewer reads marks: %d %v", st, out)
	}
	st, out = call("vic", "GET", "/api/v1/iocs", nil)
	if iocs, _ := out["iocs"].([]any); st != http.StatusOK || len(iocs) != 1 || iocs[0].(map[string]any)["tlp"] != "red" {
		t.Errorf("viewer reads iocs: %d %v", st, out)
	}
	st, out = call("vic", "GET", "/api/v1/notes", nil)
	if notes, _ := out["notes"].([]any); st != http.StatusOK || len(notes) != 1 {
		t.Errorf("viewer reads notes: %d %v", st, out)
	}
}
