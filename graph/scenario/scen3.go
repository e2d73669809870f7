package scenario

import (
	"fmt"
	"time"
)

// Internal is the true verdict of an address of the victim's own network
// (a private address acting against other internal hosts): it has no
// external role, whatever it did. It equals attrib.Internal.
const Internal = "internal"

// botUsers are the account names an SSH botnet's dictionary tries first.
var botUsers = []string{"root", "admin", "ubuntu", "test", "oracle", "postgres", "user", "git", "pi", "guest",
	"ftpuser", "hadoop", "support", "deploy", "usuario", "nagios", "minecraft", "steam", "dev", "vagrant"}

// 11. A brute-force botnet: hijacked home routers, NAS boxes and
// small-business servers, each guessing SSH passwords slowly (minutes
// apart, so that no single bot trips a rate limit), some stuffing user
// names from a combination list, each bot its own slice of it. Sometimes
// one bot gets in with a weak password and runs a short session (it drops
// its payload).
func buildBotnet(g *gen) {
	s := g.sshd()
	public := ""
	if g.chance(0.5) { // a Zeek sensor on the perimeter sees the connections
		public, _ = g.victim()
	}
	weak := pick(g, []string{"test", "oracle", "git", "deploy"}) // an account that exists, with a weak password
	n := g.between(30, 90)
	var isps []*network
	var members []string
	winner := -1
	if g.chance(0.6) {
		winner = g.rng.IntN(n)
	}
	for i := 0; i < n; i++ {
		kind := pick(g, []string{kindResidential, kindResidential, kindResidential, kindResidential, kindResidential,
			kindResidential, kindResidential, kindCellular, kindBusiness, kindBusiness})
		var net *network
		if kind != kindResidential || len(isps) < 5 || g.chance(0.5) {
			net = g.newNet(kind, pick(g, places))
			if kind == kindResidential {
				isps = append(isps, net)
			}
		} else {
			net = pick(g, isps)
		}
		h := g.addr(net)
		h.resProxy = kind != kindBusiness && g.chance(0.05)
		switch {
		case kind == kindResidential && g.chance(0.5):
			ports := pick(g, [][]int{{23, 7547}, {23, 80, 8291}, {2323, 7547, 443}, {23, 8080}, {22, 23, 5000}})
			g.ds.scan = append(g.ds.scan, scanRecord{IP: h.String(), Timestamp: g.t0.Add(-g.secs(86400, 25*86400)).UTC().Format(time.RFC3339),
				Ports: ports, Tags: []string{"telnet", "tr-069", "router"}, ASN: net.asn, Org: net.asOrg})
		case kind == kindBusiness && g.chance(0.5):
			g.whoisIP(h)
		}
		var users []string
		if g.chance(0.3) { // credential stuffing: this bot's own slice of a combination list
			for k := g.between(5, 12); k > 0; k-- {
				users = append(users, fmt.Sprintf("%s%s%d", pick(g, firstNames), pick(g, []string{".", "_", ""}), g.between(1, 99)))
			}
		} else {
			for k := g.between(2, 14); k > 0; k-- {
				users = append(users, pick(g, botUsers))
			}
		}
		t := g.t0.Add(g.secs(0, 36*3600))
		for _, u := range users {
			t0 := t
			t = s.fail(t, h.String(), u, u != "root")
			if public != "" {
				g.conn(t0.Add(-300*time.Millisecond), h.String(), g.between(32768, 60999), public, 22, "SF", t.Sub(t0).Seconds(), g.between(900, 2400), g.between(1500, 3200))
			}
			t = t.Add(g.secs(120, 2400))
		}
		if i == winner {
			for k := g.between(1, 3); k > 0; k-- {
				t = s.fail(t, h.String(), weak, false).Add(g.secs(30, 400))
			}
			dur := g.secs(8, 120)
			if public != "" {
				g.conn(t.Add(-200*time.Millisecond), h.String(), g.between(32768, 60999), public, 22, "SF", dur.Seconds(), g.between(3000, 40000), g.between(3000, 90000))
			}
			s.accept(t, h.String(), weak, "", dur)
			g.note("Bot %s (%s) got in as %q after failures: the account to reset.", h, net.asOrg, weak)
		}
		g.role(h.String(), Compromised)
		members = append(members, h.String())
	}
	g.campaign(members...)
	g.note("An SSH botnet of %d hijacked home routers, phones and small-business hosts guessed passwords slowly; about a third stuffed user names from a combination list.", n)
	g.sshScanners(s, g.between(1, 3))
	if g.chance(0.5) {
		g.homeAdmin(s)
	}
}

// internalServers are host names of the victim's internal servers.
var internalServers = []string{"app-db-01", "files-02", "ci-runner-3", "backup-01", "hr-web", "erp-app", "git-01", "mon-02", "dc-linux-1", "vault-01"}

// 12. An internal pivot: an outside source logs into the bastion (with a
// stolen password), and from the bastion's internal address the operator
// sweeps the internal network and logs into internal servers, sometimes
// hopping once more. The internal addresses are the victim's own hosts:
// their truth is Internal, never an external role. The entry point is the
// operator's rented server, a hijacked third party's server, or a VPN exit.
// An internal configuration-management host logs in everywhere with its
// key, as it does every day.
func buildInternalPivot(g *gen) {
	public, _ := g.victim()
	bastion := g.sshdOn(pick(g, []string{"bastion-01", "jump01", "ops-gw"}))
	lan := fmt.Sprintf("10.%d.%d.", g.between(0, 40), g.between(0, 200))
	inside := func() string { return fmt.Sprintf("%s%d", lan, g.between(10, 250)) }
	pivot := inside()
	user := pick(g, staffUsers)

	var entry *host
	var role string
	switch x := g.rng.Float64(); {
	case x < 0.5:
		entry, role = g.hostIn(kindHosting), Perpetrator
		g.whoisIP(entry)
	case x < 0.75:
		entry, role = g.hostIn(pick(g, []string{kindBusiness, kindUniversity})), Compromised
		g.whoisIP(entry)
	default:
		entry, role = g.hostIn(kindHosting), Relay
		entry.vpn = g.chance(0.85)
		if g.chance(0.5) {
			g.mispAdd("vpn-ipv4", "Specialized list of IPv4 addresses belonging to common VPN providers and datacenters",
				"Specialized list of IPv4 addresses belonging to common VPN providers and datacenters", "cidr", ipAttrs, entry.String())
		}
	}
	t := g.t0
	if g.chance(0.5) { // the stolen password mistyped first
		for k := g.between(1, 2); k > 0; k-- {
			t = bastion.fail(t, entry.String(), user, false).Add(g.secs(5, 60))
		}
	}
	session := g.secs(3600, 4*3600)
	g.conn(t.Add(-200*time.Millisecond), entry.String(), g.between(32768, 60999), public, 22, "SF", session.Seconds(), g.between(60000, 900000), g.between(200000, 4000000))
	bastion.accept(t, entry.String(), user, "", session)
	g.role(entry.String(), role)

	// From the bastion: a sweep of the internal network, then logins.
	at := t.Add(g.secs(300, 1200))
	live := map[string]bool{}
	var targets []string
	for k := g.between(20, 60); k > 0; k-- {
		dst := inside()
		if dst == pivot || live[dst] {
			continue
		}
		live[dst] = g.chance(0.4)
		if live[dst] {
			targets = append(targets, dst)
		}
		for _, port := range []int{22, 445, 3389, 5985} {
			state := "S0"
			switch {
			case live[dst] && port == 22:
				state = "SF"
			case live[dst]:
				state = "REJ"
			}
			g.conn(at, pivot, g.between(32768, 60999), dst, port, state, 0.01, 0, 0)
			at = at.Add(time.Duration(20+g.rng.IntN(400)) * time.Millisecond)
		}
	}
	if len(targets) == 0 {
		targets = append(targets, inside())
	}
	pivots := []string{pivot}
	names := map[string]string{}
	for i, dst := range targets[:min(len(targets), g.between(2, 4))] {
		name := internalServers[i%len(internalServers)]
		names[dst] = name
		srv := g.sshdOn(name)
		at = at.Add(g.secs(60, 900))
		for _, u := range []string{"root", user, "admin"}[:g.between(1, 3)] {
			at = srv.fail(at, pivot, u, u == "admin").Add(g.secs(2, 30))
		}
		dur := g.secs(300, 2400)
		g.conn(at.Add(-100*time.Millisecond), pivot, g.between(32768, 60999), dst, 22, "SF", dur.Seconds(), g.between(20000, 200000), g.between(40000, 900000))
		srv.accept(at, pivot, user, "", dur)
		// A second hop from the first server reached, sometimes.
		if i == 0 && g.chance(0.5) {
			next := inside()
			if next != pivot && names[next] == "" {
				far := g.sshdOn(internalServers[len(internalServers)-1])
				hop := at.Add(g.secs(60, int(dur/time.Second)/2))
				g.conn(hop.Add(-100*time.Millisecond), dst, g.between(32768, 60999), next, 22, "SF", 600, g.between(10000, 90000), g.between(20000, 400000))
				far.accept(hop, dst, user, "", g.secs(120, 600))
				pivots = append(pivots, dst)
			}
		}
	}
	for _, p := range pivots {
		g.role(p, Internal)
	}
	g.campaign(append([]string{entry.String()}, pivots...)...)
	g.note("The operator logged into %s as %q from %s (%s), swept %s0/24 from the bastion's address %s and logged into %d internal servers.",
		bastion.host, user, entry, entry.net.asOrg, lan, pivot, len(names))

	// Configuration management: an internal host logs in with its key.
	mgmt := inside()
	for _, scanned := live[mgmt]; mgmt == pivot || scanned; _, scanned = live[mgmt] {
		mgmt = inside()
	}
	fp := g.keyFP()
	for _, name := range internalServers[:g.between(3, 6)] {
		srv := g.sshdOn(name)
		for k := g.between(1, 3); k > 0; k-- {
			srv.accept(g.t0.Add(g.secs(-8*3600, 8*3600)), mgmt, "ansible", fp, g.secs(2, 40))
		}
	}
	g.role(mgmt, Internal)
	g.sshScanners(bastion, g.between(1, 3))
	if g.chance(0.5) {
		g.homeAdmin(bastion)
	}
}
