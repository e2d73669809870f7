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

// Taking a copy of a package and asking for a verification are custody
// entries, as content views are: who, when, which package (by its
// manifest's hash). The verification covers its own entry.
func TestDownloadAndVerifyRecorded(t *testing.T) {
	f := newFixture(t, "")
	c := f.login(t, "ann")
	resp, _ := c.postForm("/export", url.Values{"csrf": {c.csrf}, "recipient": {"Police"}, "purpose": {"complaint"}, "scope": {"all"}})
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/exports/")
	before := entryKinds(t, f.h.Case)
	if resp, _ := c.get("/exports/" + id + "/download"); resp.StatusCode != http.StatusOK {
		t.Fatalf("download: %d", resp.StatusCode)
	}
	after := entryKinds(t, f.h.Case)
	if after[KindExportDownloaded] != before[KindExportDownloaded]+1 {
		t.Fatalf("download not recorded: %v", after)
	}
	last, err := f.h.Entry(f.h.Log().Size() - 1)
	if err != nil || last.Kind != KindExportDownloaded || !strings.Contains(string(last.Payload), f.srv.exports.byID[id].Result.ManifestSHA256) || !strings.Contains(last.Actor, "ann") {
		t.Fatalf("download entry: %v %+v", err, last)
	}
	c.postForm("/verify", url.Values{"csrf": {c.csrf}})
	if n := entryKinds(t, f.h.Case)[KindVerifyStarted]; n != 1 {
		t.Fatalf("%d verify.started entries, want 1", n)
	}
	if rep, _, _ := f.srv.verify.state(); rep == nil || !rep.OK || rep.Entries != f.h.Log().Size() {
		t.Fatalf("the verification does not cover its own entry: %+v (log %d)", rep, f.h.Log().Size())
	}
}
