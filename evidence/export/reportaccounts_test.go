package export

import (
	"fmt"
	"testing"
	"time"
)

// The first page names the accounts hostile sources signed into, earliest
// first, each with its sources and the line of the first login; a login
// by a source that did nothing hostile is not listed, nor one through a
// platform where nothing hostile was seen.
func TestReportAccounts(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 9, 50, 0, 0, time.UTC)
	t1, t2 := t0.Add(-time.Hour), t0.Add(time.Hour)
	guess := []FindingFactor{{ID: "password-guessing", Did: "password guessing"}}
	fs := []reportFinding{
		{Finding: Finding{Indicator: "130.83.47.11", Role: "compromised-third-party",
			Logins: []FindingLogin{{Account: "jsmith", First: &t0, Count: 2, Evidence: "sha256:aa#L31"}}}, RoleName: "a compromised third-party system"},
		{Finding: Finding{Indicator: "185.220.101.4", Role: "anonymization-relay",
			Logins: []FindingLogin{{Account: "jsmith", First: &t1, Count: 1, Evidence: "sha256:aa#L12"}, {Account: "backup", First: &t2, Count: 1, Evidence: "sha256:bb#R4"}}}, RoleName: "an anonymising relay"},
		{Finding: Finding{Indicator: "203.0.113.9", Role: "undetermined", Factors: guess,
			Logins: []FindingLogin{{Account: "oracle", Count: 1, Evidence: "sha256:aa#L99"}}}, RoleName: "undetermined"},
		// A console sign-in through the platform, nothing hostile seen.
		{Finding: Finding{Indicator: "signin.amazonaws.com", Role: "abused-platform",
			Logins: []FindingLogin{{Account: "JaneDoe", First: &t1, Count: 1, Evidence: "sha256:aa#R1"}}}, RoleName: "an abused legitimate platform"},
		// Ordinary work: no role, nothing hostile.
		{Finding: Finding{Indicator: "198.51.100.7", Role: "undetermined",
			Logins: []FindingLogin{{Account: "alice", First: &t1, Count: 40, Evidence: "sha256:aa#L2"}}}, RoleName: "undetermined"},
	}
	var g reportGroups
	g.accounts(fs, map[string]string{"sha256:aa": "E1 (auth.log)", "sha256:bb": "E2 (Security.evtx)"})
	var got []string
	for _, a := range g.Accounts {
		got = append(got, fmt.Sprintf("%s|%s|%v|%d|%s", a.Account, a.First, a.From, a.Count, a.Cite))
	}
	want := []string{
		"jsmith|2026-11-20 08:50 UTC|[{185.220.101.4 an anonymising relay} {130.83.47.11 a compromised third-party system}]|3|E1 (auth.log), line 12",
		"backup|2026-11-20 10:50 UTC|[{185.220.101.4 an anonymising relay}]|1|E2 (Security.evtx), record 4",
		"oracle||[{203.0.113.9 undetermined}]|1|E1 (auth.log), line 99",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("accounts\n got %q\nwant %q", got, want)
	}

	// More accounts than the page lists: the rest are counted.
	var many []FindingLogin
	for i := range maxAccounts + 3 {
		ti := t0.Add(time.Duration(i) * time.Minute)
		many = append(many, FindingLogin{Account: fmt.Sprintf("u%02d", i), First: &ti, Count: 1, Evidence: "sha256:aa#L1"})
	}
	g = reportGroups{}
	g.accounts([]reportFinding{{Finding: Finding{Indicator: "192.0.2.1", Role: "perpetrator-infrastructure", Logins: many}}}, nil)
	if len(g.Accounts) != maxAccounts || g.AccountsMore != 3 || g.Accounts[0].Account != "u00" {
		t.Fatalf("bounded: %d listed, %d more, first %q", len(g.Accounts), g.AccountsMore, g.Accounts[0].Account)
	}
}
