package ui

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestHostileNamesAndLinesAreEscaped(t *testing.T) {
	f := newFixture(t, "")
	c := f.login(t, "ann")
	if resp := c.upload(t, `..\..\<img src=x onerror=alert(3)>.log`, []byte("x <script>alert(4)</script>\n"), true); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
	pages := []string{"/evidence", "/evidence/" + f.hostile.Hex(), "/evidence/" + f.hostile.Hex() + "/content",
		"/custody", "/events?indicator=203.0.113.9", "/sources/203.0.113.9", "/export"}
	for _, p := range pages {
		resp, body := c.get(p)
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", p, resp.StatusCode)
			continue
		}
		for _, bad := range []string{"<script>alert", "<img src=x", "<img src=x onerror"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: unescaped %q in the page", p, bad)
			}
		}
	}
	_, body := c.get("/evidence/" + f.hostile.Hex() + "/content")
	if !strings.Contains(body, "for &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; from 203.0.113.9") {
		t.Errorf("content viewer does not show the hostile line escaped")
	}
	_, body = c.get("/evidence")
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;../../etc/passwd") {
		t.Errorf("evidence list does not show the hostile name escaped")
	}
	// JSON escapes markup as well.
	_, body = c.get("/api/v1/artefacts")
	if strings.Contains(body, "<script>") || !strings.Contains(body, `\u003cscript\u003e`) {
		t.Errorf("API does not escape markup: %.300s", body)
	}
}

func TestHostilePaths(t *testing.T) {
	f := newFixture(t, "")
	c := f.login(t, "ann")
	a := f.auth.Hex()
	for _, p := range []string{
		"/evidence/../../etc/passwd",
		"/evidence/..%2f..%2fetc%2fpasswd",
		"/evidence/" + strings.Repeat("z", 64),
		"/evidence/" + strings.Repeat("0", 64) + "/content",
		"/evidence/" + a + "/content?off=999999999",
		"/evidence/" + a + "/content?at=999999999&line=3",
		"/evidence/" + a + "/content?line=99999999",
		"/sources/..%2f..%2fetc%2fpasswd",
		"/custody/99999999",
		"/custody/-1",
		"/static/../ui.go",
		"/static/",
		"/ingest/nonexistent",
		"/exports/nonexistent/download",
	} {
		resp, body := c.get(p)
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMovedPermanently {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
		if strings.Contains(body, "root:") || strings.Contains(body, "package ui") {
			t.Errorf("%s: leaked a file", p)
		}
	}
	// Generic error pages: no detail beyond a reference.
	_, body := c.get("/custody/99999999")
	if !strings.Contains(body, "There is nothing here.") || strings.Contains(body, "not found:") {
		t.Errorf("error page: %.500s", body)
	}
	// A negative or absurd offset falls back to a valid page.
	if resp, _ := c.get("/evidence/" + a + "/content?off=-5&line=-3"); resp.StatusCode != 200 {
		t.Errorf("negative offset: %d", resp.StatusCode)
	}
	if resp, _ := c.get("/events?limit=100000000&offset=-4"); resp.StatusCode != 200 {
		t.Errorf("absurd paging: %d", resp.StatusCode)
	}
	if resp, _ := c.get("/events?from=yesterday"); resp.StatusCode != 200 {
		t.Errorf("bad date: %d", resp.StatusCode)
	}
	// Login redirects stay on the site.
	anon := f.anon(t)
	_, lb := anon.get("/login?next=//evil.example/")
	tok := csrfRE.FindStringSubmatch(lb)[1]
	resp, _ := anon.postForm("/login", url.Values{"csrf": {tok}, "user": {"ann"}, "password": {testPassword}, "next": {"//evil.example/"}})
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Errorf("open redirect: %q", loc)
	}
}

func TestUploadLimit(t *testing.T) {
	f := newFixture(t, "") // MaxUpload is 1 MiB
	c := f.login(t, "ann")
	before := entryKinds(t, f.h.Case)
	big := bytes.Repeat([]byte("A line of a log that is far too long for this server.\n"), (2<<20)/54)
	resp := c.upload(t, "huge.log", big, true)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("huge upload: %d, want 413", resp.StatusCode)
	}
	after := entryKinds(t, f.h.Case)
	if after["artefact.ingested"] != before["artefact.ingested"] {
		t.Errorf("a too-large upload was preserved")
	}
	if after["ingest.failed"] != before["ingest.failed"]+1 {
		t.Errorf("the failed upload was not recorded: %d → %d", before["ingest.failed"], after["ingest.failed"])
	}
	// Within the limit it works, and a re-upload of the same bytes is a
	// custody entry, not a copy.
	small := []byte("Nov 20 09:02:19 web01 sshd[1]: Failed password for root from 192.0.2.7 port 1 ssh2\n")
	for i := 0; i < 2; i++ {
		if resp := c.upload(t, "small.log", small, true); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("small upload: %d", resp.StatusCode)
		}
	}
	after2 := entryKinds(t, f.h.Case)
	if after2["artefact.ingested"] != after["artefact.ingested"]+2 {
		t.Errorf("ingest entries: %d → %d", after["artefact.ingested"], after2["artefact.ingested"])
	}
	arts, _ := f.srv.cat.listArtefacts()
	if len(arts) != 4 {
		t.Errorf("artefacts: %d, want 4 (3 + 1 stored once)", len(arts))
	}
}

func TestContentViewerPaging(t *testing.T) {
	f := newFixture(t, "")
	c := f.login(t, "carl")
	a := f.auth.Hex()
	_, body := c.get("/evidence/" + a + "/content?line=300")
	if !strings.Contains(body, `id="L300" class="mark"`) || !strings.Contains(body, `id="L288"`) || strings.Contains(body, `id="L287"`) {
		t.Errorf("line 300 is not shown with 12 lines of context")
	}
	// Page starts follow the lines: the next page link names offset and line.
	_, body = c.get("/evidence/" + a + "/content")
	if !strings.Contains(body, `id="L1"`) || !strings.Contains(body, "later lines") {
		t.Errorf("first page")
	}
	_, body = c.get("/evidence/" + a + "/content?mode=hex")
	if !strings.Contains(body, "00000000") || !strings.Contains(body, "4e 6f 76 20") { // "Nov "
		t.Errorf("hex view: %.300s", body)
	}
	views := entryKinds(t, f.h.Case)[KindEvidenceViewed]
	if views != 3 {
		t.Errorf("evidence.viewed: %d, want 3", views)
	}
	// The viewer (metadata only) cannot see content, and it is not recorded.
	v := f.login(t, "vic")
	if resp, _ := v.get("/evidence/" + a + "/content"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer content: %d", resp.StatusCode)
	}
	if entryKinds(t, f.h.Case)[KindEvidenceViewed] != 3 {
		t.Errorf("a refused view was recorded")
	}
}
