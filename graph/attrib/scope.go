package attrib

import (
	"fmt"
	"strings"
)

// Verdicts outside the role model. The five roles judge external sources:
// public addresses, domains and service principals that initiated traffic
// toward the victim. Two kinds of indicator are not judged by them:
//
//   - Internal: an address of a special-purpose range (loopback, private,
//     link-local, ULA, CGNAT, documentation, …) is a host of the victim's own
//     network, or one reached through it, never a server on the Internet.
//   - Contacted: an address seen only as the destination of connections the
//     victim's hosts opened. It is judged by the roles only when there is
//     evidence of command and control, exfiltration or tool download (an
//     alert, a known-bad list, an attacker-tooling or C2 indication); else
//     it is "contacted by the victim; nothing hostile seen".
const (
	Internal  = "internal"
	Contacted = "contacted-destination"
)

// Verdicts returns every verdict a Source can state: the five roles in
// Roles() order, then Internal and Contacted.
func Verdicts() []string { return append(Roles(), Internal, Contacted) }

// IsRole reports whether a verdict is one of the five roles (that is, the
// source was judged by the model and its hypotheses are set).
func IsRole(verdict string) bool {
	for _, r := range roleNames {
		if r == verdict {
			return true
		}
	}
	return false
}

// contactEvidence are the factors that are evidence of command and
// control, exfiltration or tool download on a destination the victim's
// hosts contacted; with one of them (or a non-scan alert, or a C2 mark on
// an event) the destination is judged by the roles.
var contactEvidence = map[int]bool{
	fTooling: true, fSaaSC2: true, fFronting: true, fMalScanner: true, fFreshDomain: true, fEstablishedDomain: true,
	fC2Traffic: true, fBeaconing: true, fIDSAttack: true,
}

// contactedOnly reports whether every event naming the source was an
// outbound contact from the victim's side.
func contactedOnly(g *agg) bool { return g.events > 0 && g.extras().outbound == g.events }

// hostileContact reports whether there is evidence that a contacted
// destination served command and control, exfiltration or tooling.
func hostileContact(g *agg, hits []hit) bool {
	if x := g.extras(); g.c2 || g.tooling || x.alerts > x.scanAlerts+x.infoAlerts {
		return true
	}
	for _, h := range hits {
		if contactEvidence[h.factor] {
			return true
		}
	}
	return false
}

// servedHostile reports whether the victim contacted the address for a
// domain name with evidence of hostility (a phishing or C2 domain it
// resolved to).
func servedHostile(g *agg, hostileName map[string]bool) bool {
	for _, n := range g.extras().names.vals {
		if hostileName[n] {
			return true
		}
	}
	return false
}

// internalSource states an internal or non-routable address.
func internalSource(g *agg, f *obsFacts) Source {
	s := outsideModel(g, Internal)
	s.Special = f.special
	s.Recommendation = "Do not block or report this address as an attacker: it is a " + f.special +
		" address, a host of your own network (or one reached through it). Find the host behind it at the time of the events in NAT, VPN gateway, proxy and DHCP logs, examine it with EDR or host logs, and contain it if it is compromised."
	s.WouldChange = []string{
		"NAT, VPN gateway or proxy logs naming the host or user behind this address at the time",
		"DHCP leases for the address",
		"EDR or host logs of that host (how it was reached, what ran on it)",
	}
	return s
}

// contactedSource states a destination the victim's hosts contacted with
// nothing hostile seen.
func contactedSource(g *agg) Source {
	s := outsideModel(g, Contacted)
	s.Recommendation = "No action against this address: the victim's own hosts contacted it and nothing hostile was seen. Review it only if other evidence (an alert, regular beaconing, unusual volume out) points to command and control or exfiltration."
	s.WouldChange = []string{
		"an IDS alert, a known-bad list entry or threat intelligence naming the destination",
		"flow records showing regular beaconing or unusual volume out to it",
	}
	return s
}

func outsideModel(g *agg, verdict string) Source {
	s := Source{Indicator: g.key, Type: g.typ, Role: verdict, Events: g.events, Factors: []Factor{}}
	s.FirstSeen, s.LastSeen = g.seen()
	s.Logins, s.LoginsOver = loginsOf(g)
	return s
}

// statementOutside is the statement of a source outside the role model.
func statementOutside(s *Source) string {
	var b strings.Builder
	did := didText(s.Factors)
	switch s.Role {
	case Internal:
		fmt.Fprintf(&b, "%s is a %s address: a host of the victim's own network (or reached through it), not a source on the Internet, so Casefile gives it no external role.", s.Indicator, s.Special)
		if s.Events == 0 {
			// Enriched because a record names it (the target of an internal
			// sweep, a destination): it did nothing the case shows.
			b.WriteString(" No event shows it acting: the case names it only as the destination of other hosts' connections or in other fields. Were it to act against the victim, that would point to lateral movement, a tunnel, or a pivot through a compromised internal host.")
		} else {
			fmt.Fprintf(&b, " Where it acted against the victim (%d event(s)), that points to lateral movement, a tunnel, or a pivot through a compromised internal host; the host behind it is found in NAT, VPN, DHCP and EDR logs.", s.Events)
		}
	case Contacted:
		seen := "nothing hostile seen"
		if hostileListed(s.Factors) {
			seen = "nothing shows it served command and control, exfiltration or tooling"
		}
		fmt.Fprintf(&b, "%s was contacted by the victim; %s (%d event(s), every one a connection the victim's hosts opened). It is not judged as a source of the attack.", s.Indicator, seen, s.Events)
		if did != "" {
			fmt.Fprintf(&b, " Rules matched that traffic (listed, not scored): %s.", did)
		}
		return b.String()
	}
	if did != "" {
		fmt.Fprintf(&b, " What it did, as rules found it (listed, not scored): %s.", did)
	}
	return b.String()
}
