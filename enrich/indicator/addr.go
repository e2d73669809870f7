// Package indicator normalises and classifies the infrastructure indicators
// that parsers extract (IP addresses, domains, URLs, e-mail addresses, user
// names, SSH key fingerprints, user agents, file hashes, cloud service
// principals), so that one address written five ways is one indicator.
//
// Guarantees: every normaliser is deterministic and idempotent (normalising
// its own output gives the same value), bounds its input, and rejects rather
// than guesses: a value that does not normalise is not an indicator of that
// type and is never passed on raw. Nothing here touches the network or holds
// state. ExtractIPs finds only standalone addresses in free text, never the
// octets embedded in reverse-DNS host names, and, like NormalizeIP, does not
// allocate on the hot path (AppendIPs reuses a buffer).
//
//	a, _ := indicator.NormalizeIP("::ffff:172.16.66.1") // 172.16.66.1
//	indicator.Special(a)                                // "private"
//	indicator.ExtractIPs("rhost=dsl-static-059.45.101.203.example from 10.0.0.1.")
//	// [10.0.0.1]
package indicator

import (
	"net/netip"
	"strings"
)

// NormalizeIP parses an address as logs write it and returns its canonical
// form: IPv6 compressed and lower case (RFC 5952), the zone id dropped
// ("fe80::1%10" → "fe80::1"), IPv4-mapped IPv6 reduced to IPv4
// ("::ffff:172.16.66.1" → "172.16.66.1"), leading zeros in IPv4 octets
// removed ("010.001.002.003" → "10.1.2.3"), surrounding brackets removed.
// It reports false when s is not an address.
func NormalizeIP(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if s == "" || len(s) > 64 {
		return netip.Addr{}, false
	}
	if i := strings.IndexByte(s, '%'); i >= 0 {
		s = s[:i]
	}
	if !strings.Contains(s, ":") {
		// IPv4: parsed here without netip's error allocation, accepting
		// leading zeros (which netip.ParseAddr rejects).
		return parseDottedQuad(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}
