package ui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
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
