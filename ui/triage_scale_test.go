package ui

import (
	"fmt"
	"testing"
	"time"

	"github.com/casefile/casefile/graph/attrib"
	"github.com/casefile/casefile/graph/triage"
)

// bigTable is a table of n synthetic sources, as a large case gives.
func bigTable(n int) *triageTable {
	rows := make([]triage.Row, n)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range rows {
		first, last := t0.Add(time.Duration(i)*time.Second), t0.Add(time.Duration(i)*time.Minute)
		r := &rows[i]
		*r = triage.Row{Indicator: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), Type: "ip",
			Profile:   attrib.Profile{ASN: uint64(64500 + i%300), ASOrg: fmt.Sprintf("Org %d Hosting", i%300), Country: []string{"DE", "US", "NL", "CN", ""}[i%5]},
			FirstSeen: &first, LastSeen: &last, Events: int64(i % 997), Logins: int64(i % 13 / 12), RuleHits: int64(i % 7),
			Role: attrib.Verdicts()[i%len(attrib.Verdicts())], Probability: float64(i%100) / 100, Confidence: triage.Confidences[i%3], Risk: float64(i%50) / 100}
		r.Kinds[i%len(r.Kinds)] = r.Events
	}
	return &triageTable{res: &heldAssessment{head: &attrib.Result{}, rows: rows}, rows: rows}
}

// A case of 100,000 sources pages in well under a second: the first page
// of a new sort (which sorts once), then any page of any filter over it.
func TestSourcesTable100k(t *testing.T) {
	tb := bigTable(100_000)
	start := time.Now()
	p := tb.page(triage.Filter{}, "asn", true, 0, 100)
	first := time.Since(start)
	start = time.Now()
	q := tb.page(triage.Filter{Country: "DE", Org: "hosting", Logins: true}, "asn", true, 500, 100)
	later := time.Since(start)
	t.Logf("100,000 sources: first page sorted by ASN %v, a filtered page after %v", first, later)
	if p.Total != 100_000 || len(p.Rows) != 100 || q.Total == 0 || len(q.Rows) == 0 {
		t.Fatalf("pages: %d/%d, %d/%d", len(p.Rows), p.Total, len(q.Rows), q.Total)
	}
	// Bounds loose enough for a loaded machine (quiet: about 90 ms and
	// 15 ms on 2 cores); what they catch is a per-request sort or scan
	// of something bigger than the rows.
	if first > 3*time.Second || later > 500*time.Millisecond {
		t.Errorf("too slow: %v for the first page, %v for a filtered one", first, later)
	}
}

func BenchmarkSourcesPage100k(b *testing.B) {
	tb := bigTable(100_000)
	f := triage.Filter{Country: "DE", Org: "hosting", Kind: "auth"}
	tb.page(f, "risk", true, 0, 100)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tb.page(f, "risk", true, 1000, 100)
	}
}
