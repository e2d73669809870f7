package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence/export"
)

// A package built in the workbench proves every finding against the
// assessment entry that records it: the assessment shown, when no entry
// records it yet, is recorded first, by the exporting user.
func TestWorkbenchExportRecordsTheAssessment(t *testing.T) {
	f := newFixture(t, "tor-bruteforce")
	before := entryKinds(t, f.h.Case)["assessment.recorded"]
	c := f.login(t, "ann")
	resp, _ := c.postForm("/export", url.Values{"csrf": {c.csrf}, "recipient": {"Police"}, "purpose": {"complaint"}, "scope": {"all"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("export: %d", resp.StatusCode)
	}
	if n := entryKinds(t, f.h.Case)["assessment.recorded"]; n != before+1 {
		t.Fatalf("assessment entries %d → %d, want one more", before, n)
	}
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/exports/")
	r, err := export.Verify(context.Background(), f.srv.exports.byID[id].Path)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Findings == 0 || r.FindingsProven != r.Findings {
		t.Fatalf("package: ok %v, %d findings, %d proven: %+v", r.OK, r.Findings, r.FindingsProven, r.Problems)
	}
	// A second export of the same state records nothing new.
	c.postForm("/export", url.Values{"csrf": {c.csrf}, "recipient": {"Police"}, "purpose": {"again"}, "scope": {"all"}})
	if n := entryKinds(t, f.h.Case)["assessment.recorded"]; n != before+1 {
		t.Errorf("a second export recorded the same assessment again (%d entries)", n)
	}
}
