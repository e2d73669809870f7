package ui

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/casefile/casefile/graph/attrib"
)

// An analyst records their own verdict from the source page; it is a
// custody entry under their name and the page then shows the model's
// verdict and theirs side by side. Counsel cannot.
func TestSourceOverrideForm(t *testing.T) {
	f := newFixture(t, "")
	ann := f.login(t, "ann")
	_, page := ann.get("/sources/185.220.101.4")
	if !strings.Contains(page, `action="/sources/185.220.101.4/override"`) {
		t.Fatal("no override form for an analyst")
	}
	before := entryKinds(t, f.h.Case)["assessment.overridden"]
	resp, _ := ann.postForm("/sources/185.220.101.4/override", url.Values{"csrf": {ann.csrf}, "role": {"perpetrator-infrastructure"},
		"rationale": {"the operator's <b>own</b> exit"}, "cites": {"entry:1\n\n ticket 42 "}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/sources/185.220.101.4#examiner" {
		t.Fatalf("override: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := entryKinds(t, f.h.Case)["assessment.overridden"]; got != before+1 {
		t.Fatalf("%d override entries, want %d", got, before+1)
	}
	_, page = ann.get("/sources/185.220.101.4")
	for _, want := range []string{"Examiner's verdict", "the operator&#39;s &lt;b&gt;own&lt;/b&gt; exit", "entry:1; ticket 42", "the model said",
		"which it does not replace", `class="statement"`} {
		if !strings.Contains(page, want) {
			t.Errorf("source page lacks %q", want)
		}
	}

	// Refused: no rationale (the page says why), unknown role.
	resp, page = ann.postForm("/sources/185.220.101.4/override", url.Values{"csrf": {ann.csrf}, "role": {"anonymization-relay"}, "rationale": {" "}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "a rationale is required") {
		t.Errorf("no rationale: %d", resp.StatusCode)
	}
	resp, _ = ann.postForm("/sources/185.220.101.4/override", url.Values{"csrf": {ann.csrf}, "role": {"nation-state"}, "rationale": {"x"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown role: %d", resp.StatusCode)
	}
	resp, _ = ann.postForm("/sources/9.9.9.9/override", url.Values{"csrf": {ann.csrf}, "role": {"anonymization-relay"}, "rationale": {"x"}})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown source: %d", resp.StatusCode)
	}
	if got := entryKinds(t, f.h.Case)["assessment.overridden"]; got != before+1 {
		t.Errorf("refused overrides were recorded: %d", got)
	}

	carl := f.login(t, "carl")
	if _, page := carl.get("/sources/185.220.101.4"); strings.Contains(page, "/override") {
		t.Error("counsel is offered the override form")
	}
	resp, _ = carl.postForm("/sources/185.220.101.4/override", url.Values{"csrf": {carl.csrf}, "role": {"anonymization-relay"}, "rationale": {"x"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("counsel override: %d", resp.StatusCode)
	}
}

// The sources list names the examiner's verdict beside the model's and
// shows no probability for a verdict outside the role model.
func TestSourceListShowsExaminerAndScope(t *testing.T) {
	f := newFixture(t, "")
	ann := f.login(t, "ann")
	resp, _ := ann.postForm("/sources/185.220.101.4/override", url.Values{"csrf": {ann.csrf}, "role": {"compromised-third-party"}, "rationale": {"seen before"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("override: %d", resp.StatusCode)
	}
	_, page := ann.get("/sources?q=185.220.101.4")
	if !strings.Contains(page, `#examiner">compromised third party</a>`) {
		t.Errorf("list lacks the examiner's verdict")
	}
	// 203.0.113.9 (a documentation address, in the hostile fixture log).
	_, page = ann.get("/sources?role=internal")
	if !strings.Contains(page, "<code>203.0.113.9</code>") || !strings.Contains(page, "not judged by the roles") {
		t.Errorf("internal source not listed as such:\n%s", page)
	}
}

// The collateral-risk band on a source page uses the statement's own
// words ("would" only when likely).
func TestSourceRiskBandFollowsItsWords(t *testing.T) {
	f := newFixture(t, "tor-bruteforce")
	res := shownResult(t, f)
	ann := f.login(t, "ann")
	checked := 0
	for _, s := range res.Sources {
		if !s.ThirdPartyRisk || checked > 3 {
			continue
		}
		checked++
		_, page := ann.get("/sources/" + url.PathEscape(s.Indicator))
		want := html.EscapeString(attrib.CollateralSentence(s.CollateralRisk))
		if !strings.Contains(page, `class="warnband"`) || !strings.Contains(page, want) {
			t.Errorf("%s: band lacks %q", s.Indicator, want)
		}
	}
	if checked == 0 {
		t.Fatal("no source with a third-party risk in the scenario")
	}
}

// Triage: the sources table says what rules caught each source doing and
// when it was seen, and filters to the sources caught acting.
func TestSourceListWhatItDid(t *testing.T) {
	f := newFixture(t, "")
	f.addLog(t, "guess.log", synthAuthLog(60, 1)) // one source, 60 logins in 48 s: guessing
	c := f.login(t, "ann")
	guesser := "<code>" + synthIP(0) + "</code>"
	_, all := c.get("/sources?limit=1000")
	_, acted := c.get("/sources?acted=1&limit=1000")
	if !strings.Contains(all, guesser) || !strings.Contains(acted, guesser) {
		t.Fatalf("the guesser is missing from the list")
	}
	row := acted[strings.Index(acted, guesser):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, "password guessing") || !strings.Contains(row, "2026-11-20 00:00:00Z") {
		t.Errorf("the guesser's row does not say what it did and when:\n%s", row)
	}
	if strings.Count(acted, "<tr>") >= strings.Count(all, "<tr>") {
		t.Errorf("acted=1 did not narrow the list (%d rows of %d)", strings.Count(acted, "<tr>"), strings.Count(all, "<tr>"))
	}
	if !strings.Contains(acted, `name="acted" value="1" checked`) {
		t.Error("the filter does not show it is on")
	}
}
