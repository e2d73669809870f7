package scenario

import (
	"fmt"
	"net/netip"
	"time"
)

const kindEgress = "egress" // a privacy relay's egress network (not AWS)

// 6. CloudTrail: console login via a private relay, API calls from an AWS
// service name, then calls from a foreign EC2 instance.
func buildCloudTrail(g *gen) {
	account := fmt.Sprintf("%012d", g.rng.Int64N(1e12))
	region := pick(g, []string{"eu-central-1", "eu-west-1", "us-east-1"})
	victimUser := pick(g, staffUsers)
	arn := "arn:aws:iam::" + account + ":user/" + victimUser
	iamUser := func(key string) ctIdentity {
		return ctIdentity{Type: "IAMUser", PrincipalID: "AIDA" + g.upperAlnum(17), ARN: arn, AccountID: account, AccessKeyID: key, UserName: victimUser}
	}
	// The private relay egress range, published by the relay operator.
	p := pick(g, places)
	rn := g.newNet(kindHosting, p)
	rn.kind, rn.hosting = kindEgress, false
	rn.asOrg = pick(g, nameStems) + " Edge Networks Inc"
	rn.org = rn.asOrg
	g.ds.relay = append(g.ds.relay, relayRange{prefix: netip.PrefixFrom(rn.prefix.Addr(), max(rn.prefix.Bits(), 24)).Masked(), p: p})
	relay := g.addr(rn)
	// Make sure relay sits in the published /24.
	if !g.ds.relay[0].prefix.Contains(relay.addr) {
		delete(g.hosts, relay.addr.String())
		a := g.ds.relay[0].prefix.Addr().As4()
		a[3] = byte(g.between(2, 250))
		relay = &host{addr: netip.AddrFrom4(a), net: rn}
		g.hosts[relay.String()] = relay
	}
	t := g.t0
	consoleUA := pick(g, browserUAs)
	g.trail(t, ctRecord{UserIdentity: ctIdentity{Type: "IAMUser", PrincipalID: "AIDA" + g.upperAlnum(17), ARN: arn, AccountID: account, UserName: victimUser},
		EventSource: "signin.amazonaws.com", EventName: "ConsoleLogin", AWSRegion: "us-east-1", SourceIPAddress: relay.String(), UserAgent: consoleUA,
		ResponseElements: map[string]string{"ConsoleLogin": "Success"},
		AdditionalData:   map[string]any{"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": "No"},
		EventType:        "AwsConsoleSignIn", RecipientAccountID: account})
	t = t.Add(g.secs(30, 300))
	newKey := "AKIA" + g.upperAlnum(16)
	for _, ev := range []struct{ src, name string }{{"iam.amazonaws.com", "ListUsers"}, {"iam.amazonaws.com", "CreateAccessKey"},
		{"cloudformation.amazonaws.com", "CreateStack"}} {
		g.trail(t, ctRecord{UserIdentity: iamUser("ASIA" + g.upperAlnum(16)), EventSource: ev.src, EventName: ev.name, AWSRegion: region,
			SourceIPAddress: relay.String(), UserAgent: "AWS Internal", RequestParameters: map[string]string{"userName": victimUser},
			RecipientAccountID: account})
		t = t.Add(g.secs(20, 200))
	}
	g.role(relay.String(), Relay)
	// CloudFormation acts on the user's behalf: the caller is the service.
	services := []string{"cloudformation.amazonaws.com"}
	if g.chance(0.5) {
		services = append(services, "lambda.amazonaws.com")
	}
	for _, svc := range services {
		for k := g.between(2, 5); k > 0; k-- {
			name := pick(g, []string{"CreateRole", "AttachRolePolicy", "PutRolePolicy", "CreateFunction20150331", "RunInstances"})
			g.trail(t, ctRecord{UserIdentity: ctIdentity{Type: "IAMUser", PrincipalID: "AIDA" + g.upperAlnum(17), ARN: arn, AccountID: account, InvokedBy: svc, UserName: victimUser},
				EventSource: pick(g, []string{"iam.amazonaws.com", "ec2.amazonaws.com", "lambda.amazonaws.com"}), EventName: name, AWSRegion: region,
				SourceIPAddress: svc, UserAgent: svc, RecipientAccountID: account})
			t = t.Add(g.secs(2, 40))
		}
		g.role(svc, Platform)
	}
	// The stolen key is used from an EC2 instance in another region.
	var far place
	for far = pick(g, places); far.continent == p.continent; far = pick(g, places) {
	}
	en := g.newNet(kindCloud, far)
	en.service, en.region = "EC2", awsRegion(g, far)
	ec2 := g.addr(en)
	t = t.Add(g.secs(1800, 4*3600))
	cli := fmt.Sprintf("aws-cli/2.15.%d Python/3.11.8 Linux/6.1.0 exe/x86_64.ubuntu.22 prompt/off command/", g.between(10, 40))
	for k := g.between(8, 25); k > 0; k-- {
		ev := pick(g, []struct{ src, name string }{{"s3.amazonaws.com", "ListBuckets"}, {"ec2.amazonaws.com", "DescribeInstances"},
			{"secretsmanager.amazonaws.com", "ListSecrets"}, {"secretsmanager.amazonaws.com", "GetSecretValue"}, {"sts.amazonaws.com", "GetCallerIdentity"},
			{"iam.amazonaws.com", "ListRoles"}, {"ec2.amazonaws.com", "DescribeSnapshots"}})
		g.trail(t, ctRecord{UserIdentity: iamUser(newKey), EventSource: ev.src, EventName: ev.name, AWSRegion: region, SourceIPAddress: ec2.String(),
			UserAgent: cli + ev.name, RecipientAccountID: account})
		t = t.Add(g.secs(5, 240))
	}
	g.role(ec2.String(), Perpetrator)
	g.campaign(relay.String(), ec2.String())
	g.note("%s's console password was used through a private relay (%s); the new access key %s was then used from EC2 %s in %s.",
		victimUser, relay, newKey, ec2, far.country)
	// A colleague's routine work from the office.
	office := g.hostIn(kindBusiness)
	at := g.t0.Add(-g.secs(3600, 5*3600))
	colleague := pick(g, staffUsers)
	for k := g.between(2, 6); k > 0; k-- {
		g.trail(at, ctRecord{UserIdentity: ctIdentity{Type: "IAMUser", PrincipalID: "AIDA" + g.upperAlnum(17), ARN: "arn:aws:iam::" + account + ":user/" + colleague,
			AccountID: account, AccessKeyID: "AKIA" + g.upperAlnum(16), UserName: colleague}, EventSource: "ec2.amazonaws.com", EventName: "DescribeInstances",
			AWSRegion: region, SourceIPAddress: office.String(), UserAgent: cli + "DescribeInstances", ReadOnly: true, RecipientAccountID: account})
		at = at.Add(g.secs(60, 900))
	}
	g.role(office.String(), Undetermined)
}

func (g *gen) upperAlnum(n int) string {
	const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, n)
	for i := range b {
		b[i] = a[g.rng.IntN(len(a))]
	}
	return string(b)
}

// 7. Password spraying from hijacked SOHO routers.
func buildSOHORouters(g *gen) {
	s := g.sshd()
	users := make([]string, 0, 24)
	for i := g.between(10, 24); i > 0; i-- {
		users = append(users, pick(g, firstNames)+"."+pick(g, lastNames))
	}
	n := g.between(20, 60)
	var isps []*network
	var members []string
	t := g.t0
	for i := 0; i < n; i++ {
		var net *network
		if len(isps) < 4 || g.chance(0.5) {
			net = g.newNet(kindResidential, pick(g, places))
			isps = append(isps, net)
		} else {
			net = pick(g, isps)
		}
		h := g.addr(net)
		h.resProxy = g.chance(0.1)
		if g.chance(0.8) {
			ports := pick(g, [][]int{{23, 7547}, {23, 80, 8291}, {2323, 7547, 443}, {23, 8080}})
			g.ds.scan = append(g.ds.scan, scanRecord{IP: h.String(), Timestamp: g.t0.Add(-g.secs(86400, 20*86400)).UTC().Format(time.RFC3339),
				Ports: ports, Tags: []string{"telnet", "tr-069", "router"}, ASN: net.asn, Org: net.asOrg})
		}
		if i < 3 {
			g.whoisIP(h)
		}
		at := t
		for k := g.between(2, 5); k > 0; k-- {
			at = s.fail(at, h.String(), pick(g, users), false).Add(g.secs(60, 1800))
		}
		t = t.Add(g.secs(20, 600))
		g.role(h.String(), Compromised)
		members = append(members, h.String())
	}
	g.campaign(members...)
	g.note("Password spraying against %d accounts from %d hijacked home routers (telnet/TR-069 exposed); about 10%% also sold as residential proxies.", len(users), n)
	g.sshScanners(s, g.between(1, 3))
	if g.chance(0.5) {
		g.homeAdmin(s)
	}
}

// 8. Staleness trap: an address that was a Tor exit 18 months before the
// events, now a small business's compromised server.
func buildStaleTor(g *gen) {
	s := g.sshd()
	biz := g.hostIn(kindBusiness)
	g.whoisIP(biz)
	old := g.t0.Add(-time.Duration(530+g.rng.IntN(20)) * 24 * time.Hour)
	g.ds.torAsOf = old.Add(g.secs(3600, 20*3600))
	g.torExitAt(biz, []time.Time{old, old.Add(-g.secs(3600, 30*3600))}, false)
	target := pick(g, staffUsers)
	t := g.t0
	for k := g.between(15, 60); k > 0; k-- {
		user, invalid := target, false
		if g.chance(0.5) {
			user = pick(g, genericUsers)
			invalid = user != "root"
		}
		t = s.fail(t, biz.String(), user, invalid).Add(g.secs(1, 20))
	}
	if g.chance(0.5) {
		s.accept(t.Add(g.secs(60, 600)), biz.String(), target, "", g.secs(120, 1800))
	}
	g.role(biz.String(), Compromised)
	g.note("%s (%s) was a Tor exit around %s; the only exit list at hand is that old one. Today it is a compromised small-business server.",
		biz, biz.net.org, old.Format("2006-01-02"))
	g.sshScanners(s, g.between(2, 4))
}

// 9. Fast-flux phishing across residential addresses.
func buildFastFlux(g *gen) {
	_, _ = g.victim()
	brand := slug(pick(g, nameStems))
	domain := pick(g, []string{"secure-" + brand + "bank-login", brand + "-account-verify", "id-" + brand + "-support"}) + pick(g, []string{".com", ".net"})
	g.whoisDomain(domain, g.t0.Add(-time.Duration(g.between(1, 12))*24*time.Hour-g.secs(0, 86399)), true)
	resolver := fmt.Sprintf("10.%d.0.53", g.between(0, 40))
	var flux []*host
	for i := g.between(8, 25); i > 0; i-- {
		h := g.hostIn(pick(g, []string{kindResidential, kindResidential, kindCellular}))
		h.resProxy = g.chance(0.1)
		if g.chance(0.3) {
			g.ds.scan = append(g.ds.scan, scanRecord{IP: h.String(), Timestamp: g.t0.Add(-g.secs(86400, 10*86400)).UTC().Format(time.RFC3339),
				Ports: []int{80, 443, 7547}, Tags: []string{"router", "tr-069"}, ASN: h.net.asn, Org: h.net.asOrg})
		}
		flux = append(flux, h)
	}
	t := g.t0
	used := map[string]bool{}
	members := []string{domain}
	clients := g.between(3, 9)
	for c := 0; c < clients; c++ {
		client := fmt.Sprintf("10.%d.%d.%d", g.between(0, 40), g.between(0, 255), g.between(2, 250))
		answers := make([]string, 0, 4)
		for k := g.between(2, 4); k > 0; k-- {
			answers = append(answers, pick(g, flux).String())
		}
		g.dns(t, client, resolver, domain, answers, g.between(120, 300))
		dst := answers[0]
		used[dst] = true
		g.eve(t.Add(g.secs(0, 2)), eveRec{EventType: "tls", SrcIP: client, SrcPort: g.between(49152, 65535), DestIP: dst, DestPort: 443, AppProto: "tls",
			TLS: &eveTLS{SNI: domain, Version: "TLS 1.2", Subject: "CN=" + domain, Issuer: "C=US, O=Let's Encrypt, CN=R10"}})
		if g.chance(0.6) {
			g.eve(t.Add(g.secs(3, 30)), eveRec{EventType: "alert", SrcIP: client, SrcPort: g.between(49152, 65535), DestIP: dst, DestPort: 443, AppProto: "tls",
				Alert: &eveAlert{"allowed", 1, g.between(2033000, 2034999), 2, "ET PHISHING Suspicious TLS SNI to Newly Registered Domain (Credential Phish Landing)", "Possible Social Engineering Attempted", 1},
				TLS:   &eveTLS{SNI: domain, Version: "TLS 1.2"}})
		}
		t = t.Add(g.secs(300, 5400))
	}
	for _, h := range flux {
		if used[h.String()] {
			g.role(h.String(), Compromised)
			members = append(members, h.String())
		}
	}
	g.role(domain, Perpetrator)
	g.campaign(members...)
	g.note("The phishing domain %s rotates its A records across %d hijacked residential hosts.", domain, len(flux))
}

// 10. Benign scanner noise mixed into scenario 1's intrusion.
func buildScannerNoise(g *gen) {
	public, _ := g.victim()
	s := g.sshd()
	members, _ := g.bruteThenLogin(s, g.t0, public)
	g.campaign(members...)
	n := g.between(15, 40)
	for i := 0; i < n; i++ {
		h := g.scanner(0.8)
		at := g.t0.Add(g.secs(-10*3600, 10*3600))
		for k := g.between(8, 60); k > 0; k-- {
			port := pick(g, []int{21, 22, 23, 25, 53, 80, 110, 143, 443, 445, 465, 587, 993, 1433, 1723, 3306, 3389, 5432, 5900, 6379, 8080, 8443, 9200, 27017})
			if k%5 == 0 {
				port = g.between(1024, 65000)
			}
			g.conn(at, h.String(), g.between(30000, 65000), public, port, "S0", 0, 0, 0)
			if port == 22 && g.chance(0.5) {
				s.probe(at.Add(time.Second), h.String())
			}
			at = at.Add(time.Duration(50+g.rng.IntN(3000)) * time.Millisecond)
		}
	}
	g.note("%d benign research scanners (about 80%% listed) swept the victim during the intrusion.", n)
}
