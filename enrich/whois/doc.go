// Package whois asks WHOIS (port 43) about IP addresses and domains, keeps
// each answer byte for byte as evidence, and reads from it who holds the
// network or domain.
//
// Guarantees:
//
//   - Nothing is sent anywhere unless the caller builds a Client and calls
//     Lookup. With Options.Server set, every connection (referrals included)
//     goes to that one server; with it empty, github.com/likexian/whois picks
//     the server (whois.iana.org, then the registry), which reaches the real
//     network. Private, loopback, documentation and other special-purpose
//     addresses are never sent.
//   - Every connection is bounded: Options.Timeout for dial, query and answer,
//     the caller's context (cancelling it unblocks a pending read at once),
//     and Options.MaxResponse bytes read (a larger answer is ErrTooLarge, and
//     no more than that is buffered). Connections are rate limited and their
//     number in flight is capped.
//   - Response.Raw is exactly what the server sent: no trimming, no footer
//     (the library's statistics footer is disabled and its trimmed copy
//     ignored; the bytes are recorded on the connection itself).
//   - Each network and domain is asked once per client: a later lookup of an
//     address inside a network already answered is served from the cache.
//   - Parsers never panic on hostile text (fuzzed), bound their input, and
//     count the lines they skip. ParseIP reads all five RIRs' formats (ARIN,
//     RIPE, APNIC, LACNIC with its short CIDR "200.57.128/19", AFRINIC) and
//     returns the most specific network; ParseDomain wraps
//     github.com/likexian/whois-parser with a recover and a date fallback.
//
// Example:
//
//	c, _ := whois.New(whois.Options{Server: "whois.ripe.net:43"})
//	resp, err := c.Lookup(ctx, "62.239.237.1")
//	if err == nil {
//		fmt.Println(resp.IP.NetName, resp.IP.Country, resp.IP.AbuseEmail) // BT-CORPORATE GB protect@bt.com
//		obs := resp.Observations("sha256:" + hex(sha256(resp.Raw)))
//	}
//
// This package is the only one that imports likexian/whois and
// whois-parser.
package whois
