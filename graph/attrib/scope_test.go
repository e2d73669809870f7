package attrib

import (
	"slices"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence/parse"
)

// Special-purpose addresses are internal, whatever they did: the RDP logon
// over a tunnel (127.0.0.1), lateral movement from a private or link-local
// address, a CGNAT or documentation address.
func TestInternalAddressesGetNoExternalRole(t *testing.T) {
	c := newCase()
	addrs := []string{"127.0.0.1", "10.0.2.15", "fe80::80ac:4126:fa58:1b81", "100.64.3.4", "fd12:3456::1", "192.0.2.7"}
	for _, a := range addrs {
		// Exclusive, interactive use: what made them "the attacker's own
		// infrastructure" before.
		for i := 0; i < 4; i++ {
			c.ev(artSSH, t0, parse.KindAuth, parse.OutcomeSuccess, a, "alice", "duration", "3600")
		}
	}
	res := c.assess(t)
	for _, a := range addrs {
		s := find(t, res, a)
		if s.Role != Internal || s.Hypotheses != (RoleValues{}) || s.ThirdPartyRisk || len(s.Factors) != 0 || s.Special == "" {
			t.Errorf("%s: %s", a, describe(s))
		}
		st := s.Statement()
		for _, want := range []string{"own network", "lateral movement", "tunnel", "pivot"} {
			if !strings.Contains(st, want) {
				t.Errorf("%s: statement lacks %q: %s", a, want, st)
			}
		}
		for _, want := range []string{"NAT", "VPN", "DHCP", "EDR"} {
			if !strings.Contains(s.Recommendation, want) {
				t.Errorf("%s: recommendation lacks %q: %s", a, want, s.Recommendation)
			}
		}
		if strings.Contains(strings.ToLower(s.Recommendation), "block it") {
			t.Errorf("%s: internal address with block advice: %s", a, s.Recommendation)
		}
	}
}

// An internal address the case names only as a destination (the target of
// an internal sweep) is internal without being said to have acted.
func TestInternalDestinationDidNothing(t *testing.T) {
	c := newCase()
	c.ev(artSSH, t0, parse.KindAuth, parse.OutcomeSuccess, "10.0.2.15", "alice")
	c.obs("10.0.2.99", "iana-special", "special", dsWarn, t0, map[string]any{"special": "private"})
	res := c.assess(t)
	s := find(t, res, "10.0.2.99")
	st := s.Statement()
	if s.Role != Internal || s.Events != 0 || !strings.Contains(st, "No event shows it acting") || strings.Contains(st, "Where it acted") {
		t.Errorf("%s: %s", describe(s), st)
	}
	if st := find(t, res, "10.0.2.15").Statement(); !strings.Contains(st, "Where it acted against the victim (1 event(s))") {
		t.Errorf("acting internal source: %s", st)
	}
}

// An address only contacted by the victim's hosts (a package mirror on a
// CDN) is not judged as a source and gets no block advice; the same with an
// IDS alert, or contacted for a freshly registered domain, is judged.
func TestContactedDestination(t *testing.T) {
	c := newCase()
	mirror, c2, flux := "54.230.202.37", "45.83.64.9", "77.91.124.20"
	c.ranges(mirror, "aws-ip-ranges", "CLOUDFRONT")
	c.ranges(c2, "aws-ip-ranges", "EC2")
	out := func(dst string, kv ...string) {
		e := c.ev(artIDS, t0, parse.KindHTTP, parse.OutcomeSuccess, "10.0.2.15", "", kv...)
		e.Dst, e.DstPort = dst, 443
	}
	for i := 0; i < 5; i++ {
		out(mirror, "host", "deb.debian.org")
		out(flux, "sni", "secure-login-bank.example.com")
		// Suricata's fileinfo: the mirror answering from port 80.
		f := c.ev(artIDS, t0, parse.KindOther, parse.OutcomeUnknown, mirror, "", "hostname", "deb.debian.org")
		f.SrcPort, f.Dst, f.DstPort = 80, "10.0.2.15", 41402
		// A policy alert is not evidence of hostility.
		p := c.ev(artIDS, t0, parse.KindAlert, parse.OutcomeUnknown, "10.0.2.15", "", "signature",
			"ET POLICY GNU/Linux APT User-Agent Outbound likely related to package management", "category", "Not Suspicious Traffic")
		p.Dst = mirror
	}
	// Zeek marks the originator local and the responder not: outbound,
	// even between public addresses.
	for i := 0; i < 3; i++ {
		z := c.ev(artIDS, t0, parse.KindFlow, parse.OutcomeUnknown, "198.18.0.1", "", "local_orig", "T", "local_resp", "F")
		z.Src, z.Dst = "81.2.69.142", "93.184.216.34"
		z2 := c.ev(artIDS, t0, parse.KindFlow, parse.OutcomeUnknown, "198.18.0.1", "", "local_orig", "true", "local_resp", "false")
		z2.Src, z2.Dst = "81.2.69.142", "93.184.216.34"
	}
	a := c.ev(artIDS, t0, parse.KindAlert, parse.OutcomeUnknown, "10.0.2.15", "", "signature", "ET MALWARE Cobalt Strike Beacon Observed")
	a.Dst = c2
	c.whois("secure-login-bank.example.com", "REDACTED FOR PRIVACY", "", t0.AddDate(0, 0, -3))
	res := c.assess(t)

	s := find(t, res, mirror)
	if s.Role != Contacted || s.ThirdPartyRisk || len(s.Factors) != 0 || !strings.Contains(s.Statement(), "contacted by the victim; nothing hostile seen") {
		t.Errorf("mirror: %s\n%s", describe(s), s.Statement())
	}
	if strings.Contains(strings.ToLower(s.Recommendation), "block") && !strings.Contains(s.Recommendation, "No action") {
		t.Errorf("mirror gets block advice: %s", s.Recommendation)
	}
	if s := find(t, res, c2); !IsRole(s.Role) || s.Hypotheses == (RoleValues{}) {
		t.Errorf("alerted destination not judged: %s", describe(s))
	}
	if s := find(t, res, flux); !IsRole(s.Role) {
		t.Errorf("address serving a fresh domain not judged: %s", describe(s))
	}
	if s := find(t, res, "93.184.216.34"); s.Role != Contacted {
		t.Errorf("Zeek-local originator's peer: %s", describe(s))
	}
	if s := find(t, res, "deb.debian.org"); s.Role != Contacted {
		t.Errorf("mirror name: %s", describe(s))
	}
}

// A cloud service principal stays a candidate for the abused-platform role.
func TestServicePrincipalStaysPlatform(t *testing.T) {
	c := newCase()
	e := c.ev(artTrail, t0, parse.KindAPI, parse.OutcomeSuccess, "", "")
	e.SrcService = "config.amazonaws.com"
	wantRole(t, find(t, c.assess(t), "config.amazonaws.com"), Platform)
}

// The stated role is the most probable one; with nothing known it is
// undetermined and the statement says there is no evidence instead of
// quoting base rates.
func TestStatedRoleIsMostProbable(t *testing.T) {
	c := newCase()
	c.ev(artSSH, t0, parse.KindAuth, parse.OutcomeFailure, "91.240.118.30", "jsmith")
	c.tor("185.220.101.4", t0)
	c.ev(artSSH, t0, parse.KindAuth, parse.OutcomeFailure, "185.220.101.4", "root")
	c.whois("130.83.47.11", "Technische Universitaet Darmstadt", "abuse@tu-darmstadt.de", t0.AddDate(-20, 0, 0))
	c.ev(artSSH, t0, parse.KindAuth, parse.OutcomeFailure, "130.83.47.11", "root")
	res := c.assess(t)
	for _, s := range res.Sources {
		best := argmax([nRoles]float64(s.Hypotheses))
		if s.Role != roleNames[best] {
			t.Errorf("%s: stated %s, most probable %s: %v", s.Indicator, s.Role, roleNames[best], s.Hypotheses)
		}
	}
	s := find(t, res, "91.240.118.30")
	st := s.Statement()
	if s.Role != Undetermined || !strings.Contains(st, "no evidence about this source's role") || strings.Contains(st, "%") {
		t.Errorf("no evidence: %s\n%s", describe(s), st)
	}
}

// "would" only when harm to a third party is likely.
func TestCollateralWords(t *testing.T) {
	for _, c := range []struct {
		p    float64
		want string
	}{
		{0.97, "Acting against it would almost certainly harm a third party."},
		{0.7, "Acting against it would likely harm a third party."},
		{0.5, "There is a roughly even chance that acting against it would harm a third party."},
		{0.3, "Acting against it could harm a third party (unlikely, 30 %)."},
		{0.1, "Acting against it is very unlikely to harm a third party."},
	} {
		if got := collateralSentence(c.p); got != c.want {
			t.Errorf("%.2f: %q, want %q", c.p, got, c.want)
		}
	}
}

// Row 12 from the AS organisation (no WHOIS) cites the ASN dataset and the
// entry that recorded it, like every other factor.
func TestLegitOrganisationFromASNCitesIt(t *testing.T) {
	c := newCase()
	c.asn("130.83.47.11", 680, "Verein zur Foerderung eines Deutschen Forschungsnetzes e.V. University")
	c.ev(artSSH, t0, parse.KindAuth, parse.OutcomeFailure, "130.83.47.11", "root")
	c.in.ObservedIn = func(ind, ds string) (int64, bool) { return 7, ds == dsMMDB }
	s := find(t, c.assess(t), "130.83.47.11")
	f := factorOf(s, "legit-organisation")
	if f == nil {
		t.Fatalf("no row 12: %s", describe(s))
	}
	if !slices.Contains(f.Evidence, "entry:7") || !slices.Contains(f.Evidence, "dataset "+dsMMDB) || f.Source == "derived" {
		t.Errorf("row 12 cites %v (source %q)", f.Evidence, f.Source)
	}
	for _, f := range s.Factors {
		if len(f.Evidence) == 0 {
			t.Errorf("%s cites nothing", f.ID)
		}
	}
}
