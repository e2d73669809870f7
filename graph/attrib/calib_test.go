package attrib

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/evidence/parse"
)

// Regression tests for the calibration fixes of issue 5.

func TestWarninglistWholeWords(t *testing.T) {
	c := newCase()
	host := "bucket-1.s3.eu-west-1.amazonaws.com"
	c.obs(host, "misp:cloud-storage-hostnames", enrich.TypeWarninglist, dsWarn, t0.Add(-5*24*time.Hour),
		map[string]any{"list": "List of known cloud storage and file hosting domains"})
	scan := "91.240.118.77"
	c.obs(scan, "misp:research-scanners", enrich.TypeWarninglist, dsWarn, t0.Add(-20*24*time.Hour),
		map[string]any{"list": "List of known IPv4 addresses of internet research scanners"})
	c.obs("91.240.118.78", "misp:tor-exit-nodes", enrich.TypeWarninglist, dsWarn, t0, map[string]any{"list": "Tor exit nodes"})
	e := c.ev(artIDS, t0, parse.KindFlow, parse.OutcomeUnknown, "10.0.0.5", "", "direction", "outbound", "hostname", host, "c2", "true")
	e.Dst = "77.91.124.9"
	c.ev(artSSH, t0, parse.KindAuth, parse.OutcomeUnknown, scan, "")
	c.ev(artSSH, t0, parse.KindAuth, parse.OutcomeFailure, "91.240.118.78", "")
	res := c.assess(t)
	s := find(t, res, host) // found through Suricata's "hostname" field
	if factorOf(s, "tor-exit") != nil || factorOf(s, "business-service") == nil {
		t.Errorf("storage list read as %s", describe(s))
	}
	if f := factorOf(find(t, res, "91.240.118.78"), "tor-exit"); f == nil {
		t.Error("a Tor list is not read as Tor")
	}
	// A research-scanner list is a published range: 20 days old, it keeps
	// almost all its weight (cloud-ranges half-life, 180 days).
	sc := find(t, res, scan)
	f := factorOf(sc, "research-scanner")
	if f == nil || f.Staleness < 0.9 || f.Staleness > 0.95 {
		t.Fatalf("research scanner staleness: %s", describe(sc))
	}
	if factorOf(sc, "reconnaissance-only") == nil || sc.Role != Undetermined {
		t.Errorf("banner probe from a listed scanner: %s", describe(sc))
	}
}

func TestWHOISDomainFields(t *testing.T) {
	c := newCase()
	dom := "fresh-login-portal.example"
	c.obs(dom, "whois:whois.example", enrich.TypeWHOIS, dsWHOIS, t0, map[string]any{
		"registrant_org": "Withheld for Privacy ehf", "privacy": true, "created": t0.Add(-5 * 24 * time.Hour).Format(time.RFC3339)})
	e := c.ev(artIDS, t0, parse.KindFlow, parse.OutcomeUnknown, "10.0.0.5", "", "direction", "outbound", "server_name", dom)
	e.Dst = "77.91.124.10"
	s := find(t, c.assess(t), dom)
	f := factorOf(s, "fresh-domain")
	if f == nil || s.Role != Perpetrator {
		t.Fatalf("fresh domain via Zeek server_name: %s", describe(s))
	}
	if !strings.HasSuffix(f.Text, "behind a WHOIS privacy service") {
		t.Errorf("privacy not read: %q", f.Text)
	}
}

// An employee's own logins from home are undetermined; the operator's
// direct login with the key its VPN exits used is not "benign use", and
// impossible travel against a flagged VPN exit is explained by the exit.
func TestBenignUseAndSlip(t *testing.T) {
	c := newCase()
	home := "91.240.118.20"
	c.obs(home, "GeoIP2-Connection-Type", enrich.TypeMMDB, dsMMDB, t0.Add(-72*time.Hour), map[string]any{"connection_type": "Cable/DSL"})
	c.ev(artSSH, t0.Add(-3*time.Hour), parse.KindAuth, parse.OutcomeSuccess, home, "mkowalski", "key_fingerprint", "SHA256:employee")
	var exits []string
	for i := 1; i <= 3; i++ {
		ip := fmt.Sprintf("45.83.64.%d", i)
		exits = append(exits, ip)
		c.anon(ip, "is_anonymous_vpn", "is_hosting_provider")
		c.city(ip, "BR", -23.55, -46.63, 20)
		c.ev(artSSH, t0.Add(time.Duration(i)*4*time.Hour), parse.KindAuth, parse.OutcomeSuccess, ip, "svc-deploy", "key_fingerprint", "SHA256:operator")
	}
	slip := "77.91.124.50"
	c.anon(slip, "is_hosting_provider")
	c.city(slip, "DE", 50.11, 8.68, 20)
	c.ev(artSSH, t0.Add(6*time.Hour), parse.KindAuth, parse.OutcomeSuccess, slip, "svc-deploy", "key_fingerprint", "SHA256:operator")
	res := c.assess(t)
	h := find(t, res, home)
	if h.Role != Undetermined || factorOf(h, "benign-use") == nil || factorOf(h, "residential-access") != nil || factorOf(h, "exclusive-interactive") != nil {
		t.Errorf("employee: %s", describe(h))
	}
	s := find(t, res, slip)
	if s.Role != Perpetrator || factorOf(s, "benign-use") != nil || factorOf(s, "impossible-travel") != nil {
		t.Errorf("slip: %s", describe(s))
	}
	for _, ip := range exits {
		wantRole(t, find(t, res, ip), Relay)
	}
}

// With nothing known, undetermined leads on its prior (most sources in
// real logs are noise) and is the statement.
func TestPriorOnlyIsUndetermined(t *testing.T) {
	c := newCase()
	c.ev(artSSH, t0, parse.KindAuth, parse.OutcomeFailure, "91.240.118.30", "jsmith")
	s := find(t, c.assess(t), "91.240.118.30")
	if s.Role != Undetermined || s.Hypotheses.Get(Relay) >= s.Hypotheses.Get(Undetermined) || s.Probability != 0.63 {
		t.Errorf("%s", describe(s))
	}
}

// Row 28: an unlisted address in the same announced network as VPN exits
// that used the operator's key is one more exit; the slip, in another
// network with the same key, is not pulled in.
func TestAnonymiserSibling(t *testing.T) {
	c := newCase()
	net := func(ind, network string, n int) {
		c.obs(ind, "GeoLite2-ASN", enrich.TypeMMDB, dsMMDB, t0.Add(-72*time.Hour),
			map[string]any{"autonomous_system_number": n, "autonomous_system_organization": "Example Hosting"}).Network = network
	}
	for i, ip := range []string{"45.83.64.1", "45.83.64.2", "45.83.64.3"} {
		net(ip, "45.83.64.0/24", 64500)
		if i < 2 {
			c.anon(ip, "is_anonymous_vpn", "is_hosting_provider")
		} else {
			c.anon(ip, "is_hosting_provider") // the lists missed this exit
		}
		c.ev(artSSH, t0.Add(time.Duration(i)*4*time.Hour), parse.KindAuth, parse.OutcomeSuccess, ip, "svc-deploy", "key_fingerprint", "SHA256:operator")
	}
	slip := "77.91.124.50"
	net(slip, "77.91.124.0/24", 64501)
	c.anon(slip, "is_hosting_provider")
	c.ev(artSSH, t0.Add(6*time.Hour), parse.KindAuth, parse.OutcomeSuccess, slip, "svc-deploy", "key_fingerprint", "SHA256:operator")
	res := c.assess(t)
	s := find(t, res, "45.83.64.3")
	f := factorOf(s, "anonymiser-sibling")
	if f == nil || s.Role != Relay || !strings.Contains(f.Text, "45.83.64.0/24") {
		t.Errorf("unlisted exit: %s", describe(s))
	}
	for _, ip := range []string{"45.83.64.1", "45.83.64.2", slip} {
		if factorOf(find(t, res, ip), "anonymiser-sibling") != nil {
			t.Errorf("%s: sibling factor on a listed exit or on the slip", ip)
		}
	}
	if sl := find(t, res, slip); sl.Role != Perpetrator {
		t.Errorf("slip: %s", describe(sl))
	}
}

// The account's owner, working first with an access key nobody else used,
// keeps "benign use" when the attacker later logs into the same account
// with the stolen password through a relay and works from EC2 with a key
// of its own; a password-only account shared with later users does not.
func TestAccountOwnerWithOwnKey(t *testing.T) {
	c := newCase()
	office, relay, ec2, second := "91.240.118.40", "45.83.64.60", "77.91.124.70", "91.240.118.41"
	c.obs(office, "GeoIP2-Connection-Type", enrich.TypeMMDB, dsMMDB, t0.Add(-72*time.Hour), map[string]any{"connection_type": "Cable/DSL"})
	for i := range 3 {
		c.ev(artSSH, t0.Add(time.Duration(i-5)*time.Hour), parse.KindAPI, parse.OutcomeSuccess, office, "tmueller", "access_key_id", "AKIAOWNER")
	}
	c.ranges(relay, "apple-private-relay-egress", "ICLOUD_PRIVATE_RELAY")
	c.ev(artSSH, t0, parse.KindAPI, parse.OutcomeSuccess, relay, "tmueller")
	c.anon(ec2, "is_hosting_provider")
	for i := range 3 {
		c.ev(artSSH, t0.Add(time.Duration(i+1)*time.Hour), parse.KindAPI, parse.OutcomeSuccess, ec2, "tmueller", "access_key_id", "AKIANEW")
	}
	// Another password user of an account the relay also used: no key, so
	// nothing tells it from a stepping stone.
	c.ev(artSSH, t0.Add(-time.Hour), parse.KindAuth, parse.OutcomeSuccess, second, "jsmith")
	c.ev(artSSH, t0.Add(time.Hour), parse.KindAuth, parse.OutcomeSuccess, relay, "jsmith")
	res := c.assess(t)
	if o := find(t, res, office); factorOf(o, "benign-use") == nil || o.Role != Undetermined {
		t.Errorf("owner: %s", describe(o))
	}
	if e := find(t, res, ec2); factorOf(e, "benign-use") != nil {
		t.Errorf("EC2 with the attacker's key: %s", describe(e))
	}
	if s := find(t, res, second); factorOf(s, "benign-use") != nil {
		t.Errorf("password-only shared account: %s", describe(s))
	}
}

// The same over SSH: the employee's key logins are each followed by
// OpenSSH's "Disconnected from user" record, which names the account but
// no key; the attacker later logs into the account with its password.
// The employee stays the owner, a benign user on a home line.
func TestAccountOwnerSSHDisconnects(t *testing.T) {
	c := newCase()
	home, attacker := "91.240.118.40", "77.91.124.70"
	c.obs(home, "GeoIP2-Connection-Type", enrich.TypeMMDB, dsMMDB, t0.Add(-72*time.Hour), map[string]any{"connection_type": "Cable/DSL"})
	for i := range 2 {
		at := t0.Add(time.Duration(i-5) * time.Hour)
		c.ev(artSSH, at, parse.KindAuth, parse.OutcomeSuccess, home, "jsmith", "key_fingerprint", "SHA256:owner")
		c.ev(artSSH, at.Add(time.Hour), parse.KindAuth, parse.OutcomeUnknown, home, "jsmith")
	}
	c.anon(attacker, "is_hosting_provider")
	c.ev(artSSH, t0, parse.KindAuth, parse.OutcomeSuccess, attacker, "jsmith")
	c.ev(artSSH, t0.Add(time.Hour), parse.KindAuth, parse.OutcomeUnknown, attacker, "jsmith")
	res := c.assess(t)
	if o := find(t, res, home); factorOf(o, "benign-use") == nil || o.Role != Undetermined {
		t.Errorf("owner: %s", describe(o))
	}
	if a := find(t, res, attacker); factorOf(a, "benign-use") != nil {
		t.Errorf("attacker with the password: %s", describe(a))
	}
}

// Evidence from an observation cites the entry that recorded it.
func TestObservationCitesItsEntry(t *testing.T) {
	c := newCase()
	c.tor("185.220.101.4", t0)
	c.ev(artSSH, t0, parse.KindAuth, parse.OutcomeFailure, "185.220.101.4", "root")
	c.in.ObservedIn = func(ind, dataset string) (int64, bool) { return 77, ind == "185.220.101.4" }
	f := factorOf(find(t, c.assess(t), "185.220.101.4"), "tor-exit")
	if f == nil || len(f.Evidence) == 0 || f.Evidence[0] != "entry:77" {
		t.Fatalf("tor-exit evidence: %+v", f)
	}
}
