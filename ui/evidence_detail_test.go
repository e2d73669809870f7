package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
)

// TestEvidencePageBoundsItsHistory: an artefact viewed thousands of times
// names as many entries; its page lists the first maxCustodyShown and links
// to the custody log for the rest, instead of growing with every view.
func TestEvidencePageBoundsItsHistory(t *testing.T) {
	f := newFixture(t, "")
	ann := f.login(t, "ann")
	hx := f.auth.Hex()
	_, body := ann.get("/evidence/" + hx)
	if strings.Contains(body, "entries naming this artefact") {
		t.Fatalf("a short history is cut")
	}
	drafts := make([]evidence.Draft, maxCustodyShown+20)
	for i := range drafts {
		drafts[i] = evidence.Draft{Kind: KindEvidenceViewed, Actor: testExaminer, Payload: map[string]any{
			"artefact": f.auth.String(), "mode": "line", "offset": i, "bytes": 10, "lines": "1-1", "user": "ann", "role": "analyst"}}
	}
	if _, err := f.h.Case.Append(context.Background(), drafts...); err != nil {
		t.Fatal(err)
	}
	_, all := ann.get("/custody?artefact=" + hx + "&order=oldest")
	resp, body := ann.get("/evidence/" + hx)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	hist := body[strings.Index(body, "Custody history"):]
	if n := strings.Count(hist, `<tr><td><a href="/custody/`); n != maxCustodyShown {
		t.Errorf("%d entries listed, want %d", n, maxCustodyShown)
	}
	total := strings.Count(all, "evidence.viewed") // the custody log names every view
	want := fmt.Sprintf(" entries naming this artefact. <a href=\"/custody?artefact=%s&amp;order=oldest\">All of them in the custody log</a>", hx)
	if !strings.Contains(hist, want) || total < len(drafts) {
		t.Errorf("the page does not say how many entries there are and link to them all (custody log shows %d views)", total)
	}
}

// TestViewSummaryNamesLargeOffsets: a view far into an artefact is
// summarised with its byte offsets as numbers, not in exponent notation.
func TestViewSummaryNamesLargeOffsets(t *testing.T) {
	f := newFixture(t, "")
	ann := f.login(t, "ann")
	hx := f.auth.Hex()
	if _, err := f.h.Case.Append(context.Background(), evidence.Draft{Kind: KindEvidenceViewed, Actor: testExaminer, Payload: map[string]any{
		"artefact": f.auth.String(), "mode": "bytes", "offset": 12345678, "bytes": 4096, "user": "ann", "role": "analyst"}}); err != nil {
		t.Fatal(err)
	}
	if _, body := ann.get("/custody?artefact=" + hx); !strings.Contains(body, "viewed bytes 12345678–12349774 of") {
		t.Fatalf("the view's summary does not give its offsets:\n%s", body)
	}
}
