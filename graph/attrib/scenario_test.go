package attrib

import (
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/evidence/parse"
)

// Scenario 1: SSH brute force through rotating Tor exits, then a successful
// login from a university server.
func scenarioTor(c *caseBuilder) {
	for i := 1; i <= 6; i++ {
		ip := fmt.Sprintf("185.220.10%d.4", i)
		c.tor(ip, t0.Add(-2*time.Hour))
		c.asn(ip, 60000+i, fmt.Sprintf("Relay Association %d e.V.", i))
		for k := 0; k < 5; k++ {
			c.ev(artSSH, t0.Add(time.Duration(i*60+k)*time.Second), parse.KindAuth, parse.OutcomeFailure, ip, "jsmith")
		}
	}
	uni := "130.83.47.11"
	c.asn(uni, 680, "Verein zur Foerderung eines Deutschen Forschungsnetzes e.V.")
	c.whois(uni, "Technische Universitaet Darmstadt", "abuse@tu-darmstadt.de", time.Time{})
	c.ev(artSSH, t0.Add(50*time.Minute), parse.KindAuth, parse.OutcomeSuccess, uni, "jsmith")
}

func TestScenario1TorAndUniversity(t *testing.T) {
	c := newCase()
	scenarioTor(c)
	res := c.assess(t)
	for i := 1; i <= 6; i++ {
		s := find(t, res, fmt.Sprintf("185.220.10%d.4", i))
		wantRole(t, s, Relay)
		if s.Words != "almost certain" || s.Confidence != "moderate" || !s.ThirdPartyRisk {
			t.Errorf("%s: words %q confidence %q risk %v", s.Indicator, s.Words, s.Confidence, s.CollateralRisk)
		}
		if factorOf(s, "rotating-pool") == nil {
			t.Errorf("%s: no rotating-pool factor", s.Indicator)
		}
	}
	uni := find(t, res, "130.83.47.11")
	wantRole(t, uni, Compromised)
	if uni.Hypotheses.Get(Perpetrator) >= 0.2 {
		t.Errorf("university named as actor: %v", uni.Hypotheses)
	}
	if len(res.Campaigns) != 1 || len(res.Campaigns[0].Members) != 7 || uni.Campaign != res.Campaigns[0].ID {
		t.Errorf("campaigns %+v, university campaign %q", res.Campaigns, uni.Campaign)
	}
}

// Scenario 2: C2 over a cloud storage API plus a staging VPS with a fresh domain.
func TestScenario2StorageAndVPS(t *testing.T) {
	c := newCase()
	for _, ip := range []string{"52.216.10.1", "52.216.20.2"} {
		c.ranges(ip, "aws-ip-ranges", "AMAZON", "S3")
		e := c.ev(artIDS, t0, parse.KindAlert, parse.OutcomeUnknown, "10.0.0.5", "", "signature", "ET MALWARE possible C2 beacon over S3 API")
		e.Dst, e.DstPort = ip, 443
	}
	vps, dom := "45.77.10.10", "update-cdn-sync.com"
	c.asn(vps, 20473, "AS-CHOOPA")
	c.anon(vps, "is_hosting_provider")
	e := c.ev(artIDS, t0.Add(time.Minute), parse.KindAlert, parse.OutcomeUnknown, "10.0.0.5", "", "signature", "ET MALWARE Cobalt Strike Beacon Observed", "host", dom)
	e.Dst, e.DstPort = vps, 443
	c.whois(dom, "Domains By Proxy, LLC", "", t0.Add(-10*24*time.Hour))
	res := c.assess(t)
	for _, ip := range []string{"52.216.10.1", "52.216.20.2"} {
		s := find(t, res, ip)
		wantRole(t, s, Platform)
		if factorOf(s, "saas-c2") == nil {
			t.Errorf("%s: no saas-c2", ip)
		}
	}
	wantRole(t, find(t, res, vps), Perpetrator)
	d := find(t, res, dom)
	wantRole(t, d, Perpetrator)
	if d.Type != "domain" || factorOf(d, "fresh-domain") == nil {
		t.Errorf("domain: type %s, factors\n%s", d.Type, describe(d))
	}
}

// Scenario 3: credential stuffing from a residential proxy pool.
func TestScenario3ResidentialPool(t *testing.T) {
	c := newCase()
	var ips []string
	for i := 0; i < 40; i++ {
		ip := fmt.Sprintf("73.%d.%d.9", 10+i, i)
		ips = append(ips, ip)
		c.asn(ip, 7000+i%25, "Comcast Cable")
		c.anon(ip, "is_residential_proxy")
		c.obs(ip, "GeoIP2-Connection-Type", enrich.TypeMMDB, dsMMDB, t0.Add(-48*time.Hour), map[string]any{"connection_type": "Cable/DSL"})
		c.ev(artWeb, t0.Add(time.Duration(i*10)*time.Second), parse.KindAuth, parse.OutcomeFailure, ip, fmt.Sprintf("user%d@example.org", i),
			"user_agent", "Mozilla/5.0 (StuffBot)")
	}
	res := c.assess(t)
	for _, ip := range ips {
		s := find(t, res, ip)
		wantRole(t, s, Relay)
		if s.Hypotheses.Get(Compromised) <= s.Hypotheses.Get(Perpetrator) || s.Hypotheses.Get(Compromised) <= s.Hypotheses.Get(Platform) {
			t.Errorf("%s: compromised is not runner-up: %v", ip, s.Hypotheses)
		}
		if factorOf(s, "residential-access") != nil {
			t.Errorf("%s: residential-access counted despite the proxy flag", ip)
		}
	}
	if len(res.Campaigns) != 1 || len(res.Campaigns[0].Members) != 40 {
		t.Fatalf("campaigns: %+v", res.Campaigns)
	}
	if got := res.Campaigns[0].Identities; !reflect.DeepEqual(got, []string{"user-agent:Mozilla/5.0 (StuffBot)"}) {
		t.Errorf("identities %v", got)
	}
}

// Scenario 4: false flag — VPN exits geolocated to a third country and one
// slip where the operator connects directly from a rented server.
func TestScenario4FalseFlag(t *testing.T) {
	c := newCase()
	exits := []string{"175.45.176.10", "175.45.177.20", "175.45.178.30"}
	for i, ip := range exits {
		c.asn(ip, 131279, "Star Joint Venture Co")
		c.anon(ip, "is_anonymous_vpn", "is_hosting_provider")
		c.city(ip, "KP", 39.03, 125.75, 50)
		c.ev(artSSH, t0.Add(time.Duration(i)*time.Hour), parse.KindAuth, parse.OutcomeSuccess, ip, "ops7")
	}
	slip := "88.198.1.1"
	c.asn(slip, 24940, "Hetzner Online GmbH")
	c.city(slip, "DE", 50.47, 12.37, 100)
	c.ev(artSSH, t0.Add(72*time.Hour), parse.KindAuth, parse.OutcomeSuccess, slip, "ops7", "duration", "5400")
	res := c.assess(t)
	for _, ip := range exits {
		s := find(t, res, ip)
		wantRole(t, s, Relay)
		f := factorOf(s, "country")
		if f == nil || f.Diagnostic || f.Nats != (RoleValues{}) {
			t.Errorf("%s: country factor %+v", ip, f)
		}
	}
	s := find(t, res, slip)
	wantRole(t, s, Perpetrator)
	if f := factorOf(s, "country"); f == nil || f.Diagnostic || f.Nats != (RoleValues{}) {
		t.Errorf("slip: country factor %+v", f)
	}
}

// Scenario 5: a web server behind a CDN without trusted X-Forwarded-For.
func TestScenario5CDNVantage(t *testing.T) {
	c := newCase()
	c.in.VantageProxy[artWeb] = true
	cdn := []string{"54.230.202.37", "54.230.202.38", "130.176.1.2"}
	for i, ip := range cdn {
		c.ranges(ip, "aws-ip-ranges", "AMAZON", "CLOUDFRONT")
		c.ev(artWeb, t0.Add(time.Duration(i)*time.Second), parse.KindHTTP, parse.OutcomeSuccess, ip, "")
		c.ev(artWeb, t0.Add(time.Duration(i)*time.Second+time.Millisecond), parse.KindAuth, parse.OutcomeSuccess, ip, "admin")
	}
	res := c.assess(t)
	for _, ip := range cdn {
		s := find(t, res, ip)
		wantRole(t, s, Platform)
		if !s.Refused || s.Hypotheses.Get(Perpetrator) > 0.05 || factorOf(s, "exclusive-interactive") != nil {
			t.Errorf("%s: refused %v, %v\n%s", ip, s.Refused, s.Hypotheses, describe(s))
		}
	}
}

// Scenario 6: CloudTrail — console login via a private relay, API calls from
// an AWS service name, then calls from a foreign EC2 instance.
func TestScenario6CloudTrail(t *testing.T) {
	c := newCase()
	relay := "172.225.46.10"
	c.ranges(relay, "apple-private-relay")
	c.ev(artTrail, t0, parse.KindAuth, parse.OutcomeSuccess, relay, "alice").Dst = ""
	e := c.ev(artTrail, t0.Add(time.Minute), parse.KindAPI, parse.OutcomeSuccess, "", "alice")
	e.Dst, e.SrcService = "", "config.amazonaws.com"
	ec2 := "3.120.5.6"
	c.ranges(ec2, "aws-ip-ranges", "AMAZON", "EC2")
	for k := 0; k < 3; k++ {
		c.ev(artTrail, t0.Add(time.Duration(10+k)*time.Minute), parse.KindAPI, parse.OutcomeSuccess, ec2, "alice").Dst = ""
	}
	res := c.assess(t)
	wantRole(t, find(t, res, relay), Relay)
	svc := find(t, res, "config.amazonaws.com")
	wantRole(t, svc, Platform)
	if svc.Type != "service" || !svc.Refused {
		t.Errorf("service: type %s refused %v", svc.Type, svc.Refused)
	}
	wantRole(t, find(t, res, ec2), Perpetrator)
}

// Scenario 7: password spraying from hijacked SOHO routers.
func TestScenario7SOHO(t *testing.T) {
	c := newCase()
	routers := []string{"91.64.1.10", "91.65.2.20", "109.90.3.30", "178.24.4.40"}
	for i, ip := range routers {
		c.asn(ip, 3209, "Vodafone GmbH")
		c.obs(ip, "GeoIP2-Connection-Type", enrich.TypeMMDB, dsMMDB, t0.Add(-48*time.Hour), map[string]any{"connection_type": "Cable/DSL"})
		o := c.obs(ip, "scan-export", "scan", dsScan, t0.Add(-24*time.Hour), map[string]any{"ports": []any{23, 7547}})
		o.Reliability = "B"
		for k := 0; k < 3; k++ {
			c.ev(artWeb, t0.Add(time.Duration(i)*time.Hour+time.Duration(k)*time.Minute), parse.KindAuth, parse.OutcomeFailure, ip,
				fmt.Sprintf("employee%d", i*3+k))
		}
	}
	res := c.assess(t)
	for _, ip := range routers {
		s := find(t, res, ip)
		wantRole(t, s, Compromised)
		if f := factorOf(s, "soho-exposed"); f == nil {
			t.Errorf("%s: no soho-exposed factor", ip)
		}
	}
}

// Scenario 8: the address was a Tor exit 18 months before, now a small business.
func TestScenario8StaleTor(t *testing.T) {
	c := newCase()
	ip := "93.184.77.12"
	c.tor(ip, t0.Add(-540*24*time.Hour))
	c.whois(ip, "Baeckerei Schmidt GmbH", "info@baeckerei-schmidt.example", time.Time{})
	c.ev(artSSH, t0, parse.KindAuth, parse.OutcomeFailure, ip, "jsmith")
	res := c.assess(t)
	s := find(t, res, ip)
	f := factorOf(s, "tor-exit")
	if f == nil {
		t.Fatalf("tor-exit factor not shown:\n%s", describe(s))
	}
	for j, n := range f.Nats {
		if math.Abs(n) > 1e-6 || math.Abs(f.Shadowed[j]) > 1e-6 {
			t.Errorf("stale Tor evidence still moves %s by %v", roleNames[j], n)
		}
	}
	if f.Rho > 1e-9 {
		t.Errorf("rho %v", f.Rho)
	}
	if s.Role == Relay {
		t.Errorf("stale Tor entry made it a relay: %v", s.Hypotheses)
	}
	wantRole(t, s, Compromised)
}

// Scenario 9: fast-flux phishing across residential addresses.
func TestScenario9FastFlux(t *testing.T) {
	c := newCase()
	dom := "secure-login-bank.com"
	c.whois(dom, "REDACTED FOR PRIVACY", "", t0.Add(-5*24*time.Hour))
	for i, ip := range []string{"24.1.1.1", "67.2.2.2", "98.3.3.3"} {
		c.obs(ip, "GeoIP2-Connection-Type", enrich.TypeMMDB, dsMMDB, t0.Add(-48*time.Hour), map[string]any{"connection_type": "Cable/DSL"})
		e := c.ev(artIDS, t0.Add(time.Duration(i)*time.Minute), parse.KindHTTP, parse.OutcomeSuccess, "10.0.0.7", "", "host", dom)
		e.Dst, e.DstPort = ip, 80
	}
	res := c.assess(t)
	wantRole(t, find(t, res, dom), Perpetrator)
	for _, ip := range []string{"24.1.1.1", "67.2.2.2", "98.3.3.3"} {
		wantRole(t, find(t, res, ip), Compromised)
	}
}

// Scenario 10: benign scanner noise mixed into the intrusion of scenario 1.
func TestScenario10Scanners(t *testing.T) {
	base := newCase()
	scenarioTor(base)
	before := base.assess(t)

	c := newCase()
	scenarioTor(c)
	scanners := []string{"71.6.135.131", "162.142.125.7", "167.94.138.33"}
	for _, ip := range scanners {
		c.obs(ip, "misp:shodan-scanning", enrich.TypeWarninglist, dsWarn, t0.Add(-24*time.Hour), map[string]any{"list": "shodan-scanning"})
		for p := 0; p < 30; p++ {
			e := c.ev(artIDS, t0.Add(time.Duration(p)*time.Second), parse.KindFlow, parse.OutcomeUnknown, ip, "", "conn_state", "S0")
			e.DstPort = 1000 + p
		}
	}
	after := c.assess(t)
	for _, ip := range scanners {
		wantRole(t, find(t, after, ip), Undetermined)
	}
	for _, s := range before.Sources {
		a := find(t, after, s.Indicator)
		if !reflect.DeepEqual(a.Hypotheses, s.Hypotheses) || a.Confidence != s.Confidence || a.Campaign != s.Campaign {
			t.Errorf("%s changed by scanner noise: %v → %v", s.Indicator, s.Hypotheses, a.Hypotheses)
		}
	}
}
