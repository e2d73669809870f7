package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/casefile/casefile/enrich/indicator"
	"github.com/casefile/casefile/evidence/sampledata"
	"github.com/casefile/casefile/graph/attrib"
)

// realCase builds a case from the real public samples exactly as
// ../shared/scripts/realcase does, through the command line, and returns
// its assessment.
func realCase(t *testing.T) *attrib.Result {
	t.Helper()
	d := sampledata.Path(t) // skips with a message when the samples are absent
	for _, p := range []string{"loghub/OpenSSH/OpenSSH_2k.log", "suricata-eve-surevego/eve.json", "maxmind-db/test-data", "evtx-attack-samples"} {
		sampledata.Path(t, p)
	}
	c := filepath.Join(t.TempDir(), "realcase")
	env := map[string]string{"CASEFILE_PASSPHRASE": "realcase-passphrase", "CASEFILE_EXAMINER": "Real Case <realcase@example.org>"}
	cli := func(args ...string) []byte {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, stdio{in: strings.NewReader(""), out: &out, err: &errb}, func(k string) string { return env[k] }); code != 0 {
			t.Fatalf("casefile %s: exit %d\n%s", strings.Join(args[:min(len(args), 3)], " "), code, errb.String())
		}
		return out.Bytes()
	}
	j := func(p ...string) string { return filepath.Join(append([]string{d}, p...)...) }
	glob := func(p string) []string {
		m, err := filepath.Glob(j(p))
		if err != nil || len(m) == 0 {
			t.Fatalf("no sample matches %s", p)
		}
		return m
	}
	cli("init", "--case", c, "--title", "Real public samples")
	cli("ingest", "--case", c, "--year", "2024", "--source", "loghub samples",
		j("loghub/OpenSSH/OpenSSH_2k.log"), j("loghub/Linux/Linux_2k.log"), j("loghub/Apache/Apache_2k.log"))
	args := []string{"ingest", "--case", c, "--source", "public samples",
		j("elastic-examples-apache-access/apache_logs"), j("suricata-eve-surevego/eve.json"),
		j("zeek-wrccdc2018-brimdata/conn-sample-from-brimdata-zed.log")}
	args = append(args, glob("zeek-wrccdc2018-brimdata/zeek-json/*.json")...)
	args = append(args, j("zeek-wrccdc2018-brimdata/zeek-json/rdp.json.gz"))
	args = append(args, glob("evtx-attack-samples/*.evtx")...)
	args = append(args, j("zeek-testsuite/ssh/ssh.pcap"), j("zeek-testsuite/ftp-bruteforce/bruteforce.pcap"),
		j("cloudtrail/awsdocs-iam-user-guide/awsdocs-examples.Records.json"),
		j("cloudtrail/trailscraper/111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json"))
	cli(args...)
	m := j("maxmind-db/test-data")
	enrich := []string{"enrich", "--case", c,
		"--mmdb", filepath.Join(m, "GeoIP2-City-Test.mmdb"), "--mmdb", filepath.Join(m, "GeoLite2-ASN-Test.mmdb"),
		"--mmdb", filepath.Join(m, "GeoIP2-Anonymous-IP-Test.mmdb"), "--mmdb", filepath.Join(m, "GeoIP2-ISP-Test.mmdb"),
		"--mmdb", filepath.Join(m, "GeoIP2-Connection-Type-Test.mmdb"),
		"--tor-exits", j("tor-exit-list/exit-addresses"), "--ranges", j("aws-ip-ranges/ip-ranges.json")}
	for _, l := range glob("misp-warninglists/lists/*/list.json") {
		enrich = append(enrich, "--warninglist", l)
	}
	cli(enrich...)
	var res attrib.Result
	if err := json.Unmarshal(cli("--json", "assess", "--case", c, "--no-record"), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Sources) < 1000 {
		t.Fatalf("only %d sources assessed", len(res.Sources))
	}
	return &res
}

// TestRealCaseSanity holds the assessment of the real samples to what an
// analyst must be able to rely on (issue 12).
func TestRealCaseSanity(t *testing.T) {
	res := realCase(t)
	by := map[string]*attrib.Source{}
	for i := range res.Sources {
		by[res.Sources[i].Indicator] = &res.Sources[i]
	}

	// 0 internal or special-purpose addresses with an external role.
	for _, ip := range []string{"127.0.0.1", "10.0.0.227", "10.0.2.15", "10.0.2.16", "fe80::80ac:4126:fa58:1b81"} {
		if s := by[ip]; s == nil || s.Role != attrib.Internal {
			t.Errorf("%s: %+v, want internal", ip, s)
		}
	}
	internal := 0
	for _, s := range res.Sources {
		a, err := netip.ParseAddr(s.Indicator)
		if err != nil || indicator.Special(a) == "" {
			continue
		}
		internal++
		if s.Role != attrib.Internal {
			t.Errorf("special-purpose %s stated %s", s.Indicator, s.Role)
		}
	}
	if internal < 5 {
		t.Errorf("only %d special-purpose addresses", internal)
	}

	// 0 destination-only addresses (the CloudFront Debian mirror a host
	// downloaded packages from) stated relay or perpetrator without C2 or
	// exfiltration evidence.
	for _, ind := range []string{"54.230.202.37", "deb.debian.org"} {
		if s := by[ind]; s == nil || s.Role != attrib.Contacted || strings.Contains(strings.ToLower(s.Recommendation), "block it") {
			t.Errorf("%s: %+v, want a contacted destination without block advice", ind, s)
		}
	}
	for _, s := range res.Sources {
		if (s.Role == attrib.Relay || s.Role == attrib.Perpetrator) && len(s.Factors) == 0 {
			t.Errorf("%s stated %s with no factor", s.Indicator, s.Role)
		}
	}

	// The stated role is the most probable role for 100 % of sources.
	judged := 0
	for _, s := range res.Sources {
		if !attrib.IsRole(s.Role) {
			if s.Hypotheses != (attrib.RoleValues{}) {
				t.Errorf("%s: %s with probabilities %v", s.Indicator, s.Role, s.Hypotheses)
			}
			continue
		}
		judged++
		roles := attrib.Roles()
		best := slices.IndexFunc(roles, func(r string) bool { return r == attrib.Undetermined })
		for i, r := range roles {
			if s.Hypotheses.Get(r) > s.Hypotheses.Get(roles[best])+1e-9 {
				best = i
			}
		}
		if s.Role != roles[best] || s.Probability != s.Hypotheses.Get(s.Role) {
			t.Errorf("%s: stated %s %.4f, most probable %s %v", s.Indicator, s.Role, s.Probability, roles[best], s.Hypotheses)
		}
		if st := s.Statement(); s.Role == attrib.Undetermined && len(s.Factors) == 0 && !strings.Contains(st, "no evidence about this source's role") {
			t.Errorf("%s: no evidence, yet %q", s.Indicator, st)
		}
	}
	if judged < 1000 {
		t.Errorf("only %d sources judged by the roles", judged)
	}

	// Every factor cites evidence, including the entry it rests on.
	for _, s := range res.Sources {
		for _, f := range s.Factors {
			if !slices.ContainsFunc(f.Evidence, func(e string) bool { return strings.HasPrefix(e, "entry:") }) {
				t.Errorf("%s: factor %s cites %v", s.Indicator, f.ID, f.Evidence)
			}
		}
	}
	// What a source did is stated: the password guesser, and the internal
	// scanners (listed, not scored: lateral movement, not a role).
	if s := by["183.62.140.253"]; s == nil || !slices.ContainsFunc(s.Factors, func(f attrib.Factor) bool { return f.ID == "password-guessing" && f.EvidenceN >= 286 }) ||
		!strings.Contains(s.Statement(), "What it did, as rules found it: password guessing") {
		t.Errorf("183.62.140.253: %+v", s)
	}
	if s := by["10.164.94.120"]; s == nil || !slices.ContainsFunc(s.Factors, func(f attrib.Factor) bool { return f.ID == "scanning" }) {
		t.Errorf("10.164.94.120: %+v, want its scanning listed", s)
	}
	for _, s := range res.Sources {
		st := s.Statement()
		for _, bad := range []string{"undetermined unlikely", "does not attribute it", "undetermined very unlikely"} {
			if strings.Contains(st, bad) {
				t.Errorf("%s: %q reads as a contradiction: %s", s.Indicator, bad, st)
			}
		}
		if attrib.IsRole(s.Role) {
			continue
		}
		for _, f := range s.Factors {
			if f.Nats != (attrib.RoleValues{}) || !strings.Contains(st, "(listed, not scored)") {
				t.Errorf("%s (%s): %s scored or not stated: %s", s.Indicator, s.Role, f.ID, st)
			}
		}
	}
	// Service principals stay abused-platform candidates.
	if s := by["config.amazonaws.com"]; s == nil || s.Role != attrib.Platform {
		t.Errorf("config.amazonaws.com: %+v", s)
	}
}
