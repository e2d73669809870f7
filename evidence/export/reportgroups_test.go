package export

import (
	"fmt"
	"testing"
	"time"
)

// Full detail goes to the sources someone must decide about; the others
// get a row (what they did, citing it) or a place in the appendix.
func TestReportGroups(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 9, 12, 0, 0, time.UTC)
	t1 := t0.Add(30 * time.Minute)
	tA, tB := t0.Add(-72*time.Minute), t0.Add(-42*time.Minute) // 08:00, 08:30
	guess := FindingFactor{ID: "password-guessing", Did: "password guessing", Evidence: []string{"entry:3", "sha256:aa#L94", "sha256:aa#L95", "sha256:aa#L96"}}
	fs := []reportFinding{
		{Finding: Finding{Indicator: "185.220.101.4", Role: "anonymization-relay", Campaign: "campaign-1", FirstSeen: &tA, LastSeen: &tA}, RoleName: roleNames["anonymization-relay"]},
		{Finding: Finding{Indicator: "185.220.101.5", Role: "anonymization-relay", Campaign: "campaign-1", Probability: 0.96, Confidence: "moderate", Events: 8, FirstSeen: &tB, LastSeen: &tB,
			Factors: []FindingFactor{{ID: "country", Text: "country"}, {ID: "tor-exit", Text: "Tor exit", Diagnostic: true, Evidence: []string{"entry:11", "sha256:aa#L7", "sha256:aa#L8"}}}}},
		{Finding: Finding{Indicator: "151.89.24.171", Role: "compromised-third-party", Campaign: "campaign-1"}},
		{Finding: Finding{Indicator: "203.0.113.9", Role: "undetermined", Probability: 0.44, Events: 286, FirstSeen: &t0, LastSeen: &t1,
			Factors: []FindingFactor{{ID: "hosting"}, guess, {ID: "scanning", Did: "scanning"}}}, RoleName: "undetermined"},
		{Finding: Finding{Indicator: "10.0.0.5", Role: "internal", Events: 12, FirstSeen: &t0}},
		{Finding: Finding{Indicator: "198.51.100.7", Role: "undetermined", Probability: 0.81, Factors: []FindingFactor{{ID: "benign-use"}}}, RoleName: "undetermined"},
		{Finding: Finding{Indicator: "192.0.2.1", Role: "undetermined", Examiner: &FindingExaminer{Role: "compromised-third-party"}}, RoleName: "undetermined"},
	}
	g := groupFindings(fs, map[string]string{"sha256:aa": "E3 (auth.log)"})
	// The compromised system (a lead to follow) comes before the relays.
	if len(g.Detailed) != 3 || g.Detailed[0].Lead.Indicator != "151.89.24.171" || g.Detailed[1].Lead.Indicator != "185.220.101.4" || g.Detailed[2].Lead.Indicator != "192.0.2.1" {
		t.Fatalf("detailed: %+v", g.Detailed)
	}
	// The second relay of the campaign is a row of the first's block.
	m := g.Detailed[1].Members
	if len(m) != 1 || fmt.Sprint(m[0]) != fmt.Sprint(reportRow{Indicator: "185.220.101.5", Verdict: "confidence moderate", Recorded: "anonymization-relay (p = 0.96)", Events: "8", Seen: "2026-11-20 08:30", Did: "Tor exit",
		Cites: []string{"custody entry 11", "E3 (auth.log), line 7"}}) {
		t.Fatalf("members: %+v", m)
	}
	if len(g.Acted) != 1 {
		t.Fatalf("acted: %+v", g.Acted)
	}
	a := g.Acted[0]
	want := reportRow{Indicator: "203.0.113.9", Verdict: "undetermined (44 %)", Recorded: "undetermined (p = 0.44)", Did: "password guessing, scanning", Events: "286",
		Seen: "2026-11-20 09:12–09:42", First: "2026-11-20", start: t0, Cites: []string{"E3 (auth.log), line 94", "E3 (auth.log), line 95"}}
	if fmt.Sprint(a) != fmt.Sprint(want) {
		t.Fatalf("acted row\n got %+v\nwant %+v", a, want)
	}
	if len(g.Other) != 2 || g.Other[0].Recorded != "internal (p = 0.00)" || g.Other[0].Indicator != "10.0.0.5" || g.Other[1].Recorded != "undetermined (p = 0.81)" {
		t.Fatalf("other: %+v", g.Other)
	}
	// The first page: when, how many, doing what; a line per detailed block.
	if g.Span != "2026-11-20 08:00–09:42" || g.ActedN != 5 || fmt.Sprint(g.Hows) != "[password guessing by 1 source scanning by 1 source]" {
		t.Errorf("story: span %q, %d acted, %v", g.Span, g.ActedN, g.Hows)
	}
	if len(g.Leads) != 3 || g.Leads[0].Name != "151.89.24.171" || !g.Leads[0].Single ||
		g.Leads[1].Name != "2 sources acting as one (campaign-1)" || g.Leads[1].Single || g.Leads[2].RoleName != "compromised-third-party (the model: undetermined)" {
		t.Errorf("leads: %+v", g.Leads)
	}
	// The timeline: what began first comes first; the campaign is one line.
	var tl []string
	for _, m := range g.Timeline {
		tl = append(tl, m.When+" "+m.Who)
	}
	if fmt.Sprint(tl) != "[2026-11-20 08:00–08:30 2 sources (campaign-1) 2026-11-20 09:12–09:42 203.0.113.9]" {
		t.Errorf("timeline %q", tl)
	}
	if fmt.Sprint(g.Counts) != "[{anonymising relay 2} {compromised third-party system 1} {undetermined 3} {internal host 1}]" {
		t.Fatalf("counts: %v", g.Counts)
	}
}
