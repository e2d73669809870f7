package scenario

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

var (
	staffUsers = []string{"jsmith", "mkowalski", "apatel", "lnguyen", "deploy", "svc-backup", "jenkins-ci", "tmueller",
		"rgarcia", "kobrien", "dfischer", "ehansen", "operations", "sftp-upload", "gitlab-runner", "mrossi"}
	firstNames = []string{"anna", "ben", "carla", "david", "elena", "farid", "greta", "hugo", "ines", "jonas", "karin",
		"leo", "maria", "nils", "olga", "paul", "quinn", "rosa", "samir", "tina", "uwe", "vera", "wim", "yara", "zoe"}
	lastNames = []string{"weber", "smith", "novak", "rossi", "dubois", "jensen", "kowalczyk", "silva", "yilmaz", "tanaka",
		"murphy", "schmidt", "garcia", "ivanova", "larsen", "moreau", "horvat", "costa", "berg", "walsh"}
	mailDomains  = []string{"mailbox.example", "post.example.net", "inbox.example.org", "webmail.example"}
	genericUsers = []string{"root", "admin", "test", "ubuntu", "oracle", "postgres", "guest", "user", "git", "pi"}
	browserUAs   = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
		"Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
	}
)

func (g *gen) email() string {
	return fmt.Sprintf("%s.%s%d@%s", pick(g, firstNames), pick(g, lastNames), g.between(1, 99), pick(g, mailDomains))
}

// victim is the victim's own public address (a destination, never a
// source) and an internal client.
func (g *gen) victim() (public, internal string) {
	n := g.newNet(kindBusiness, pick(g, places))
	return g.addr(n).String(), fmt.Sprintf("10.%d.%d.%d", g.between(0, 40), g.between(0, 255), g.between(2, 250))
}

// scanner is a benign research scanner: a hosting network named for the
// project, listed on the scanner warninglist unless the list lags (gap).
func (g *gen) scanner(listed float64) *host {
	n := g.newNet(kindHosting, pick(g, places))
	stem := pick(g, nameStems)
	n.asOrg = pick(g, []string{stem + " Internet Research", stem + " Census Project Ltd", stem + " Security Research Inc", stem + " Measurement Lab"})
	n.org = n.asOrg
	n.hosting = g.chance(0.5)
	h := g.addr(n)
	if g.chance(listed) {
		entry := h.String()
		if g.chance(0.5) {
			entry = netip.PrefixFrom(h.addr, 24).Masked().String()
		}
		g.scannerList(entry)
	}
	g.role(h.String(), Undetermined)
	return h
}

// sshScanners adds n benign scanners that only touch sshd's banner.
func (g *gen) sshScanners(s *sshd, n int) {
	for i := 0; i < n; i++ {
		h := g.scanner(0.8)
		for k := g.between(1, 3); k > 0; k-- {
			s.probe(g.t0.Add(g.secs(-3600, 20*3600)), h.String())
		}
	}
}

// homeAdmin is a legitimate employee working from home over SSH.
func (g *gen) homeAdmin(s *sshd) {
	h := g.hostIn(pick(g, []string{kindResidential, kindResidential, kindCellular}))
	user := pick(g, staffUsers)
	fp := g.keyFP()
	t := g.t0.Add(g.secs(-6*3600, -600))
	for k := g.between(1, 2); k > 0; k-- {
		t = s.accept(t, h.String(), user, fp, g.secs(300, 3*3600)).Add(g.secs(1800, 4*3600))
	}
	g.role(h.String(), Undetermined)
	g.note("%s is an employee (%s) working from home.", h, user)
}

// bruteThenLogin is scenario 1's intrusion: rotating Tor exits guess one
// account's password over SSH, then the attacker logs in from a hijacked
// university server. It returns the campaign and the end time.
func (g *gen) bruteThenLogin(s *sshd, t time.Time, victimPublic string) ([]string, time.Time) {
	target := pick(g, staffUsers)
	var members []string
	nExit := g.between(6, 12)
	for i := 0; i < nExit; i++ {
		h := g.hostIn(kindHosting)
		h.net.asOrg = pick(g, []string{pick(g, nameStems) + " Privacy Foundation", pick(g, nameStems) + " Relays e.V.", h.net.asOrg})
		h.net.org = h.net.asOrg
		start := t
		for k := g.between(4, 12); k > 0; k-- {
			user, invalid := target, false
			if g.chance(0.25) {
				user = pick(g, genericUsers)
				invalid = user != "root"
			}
			t0 := t
			t = s.fail(t, h.String(), user, invalid)
			if victimPublic != "" {
				g.conn(t0.Add(-300*time.Millisecond), h.String(), g.between(32768, 60999), victimPublic, 22, "SF", t.Sub(t0).Seconds(), g.between(900, 2400), g.between(1500, 3200))
			}
		}
		// The exit list saw the relay exiting from this address a few hours
		// before; MaxMind's weekly build flags most, not all, exits.
		g.torExitAt(h, []time.Time{start.Add(-g.secs(600, 10*3600)), start.Add(-g.secs(30*3600, 60*3600))}, g.chance(0.75))
		g.role(h.String(), Relay)
		members = append(members, h.String())
		t = t.Add(g.secs(5, 60))
	}
	uni := g.hostIn(kindUniversity)
	g.whoisIP(uni)
	t = t.Add(g.secs(600, 2400))
	dur := g.secs(900, 7200)
	if victimPublic != "" {
		g.conn(t.Add(-200*time.Millisecond), uni.String(), g.between(32768, 60999), victimPublic, 22, "SF", dur.Seconds(), g.between(20000, 400000), g.between(50000, 900000))
	}
	t = s.accept(t, uni.String(), target, "", dur)
	g.role(uni.String(), Compromised)
	members = append(members, uni.String())
	g.note("%d Tor exits guessed the password of %q; the login came from a server of %s (hijacked, not the actor).",
		nExit, target, uni.net.org)
	return members, t
}

func slug(s string) string {
	return strings.ToLower(strings.Map(alnum, s))
}
