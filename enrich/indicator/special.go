package indicator

import (
	"net/netip"
	"time"
)

// The registries the special table transcribes, and their date: observations
// from the table cite them (there is no dataset file to preserve).
const (
	SpecialRegistry     = "IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890)"
	SpecialRegistryURLs = "https://www.iana.org/assignments/iana-ipv4-special-registry/ https://www.iana.org/assignments/iana-ipv6-special-registry/"
)

// SpecialRegistryDate is the date of the registries as transcribed: the
// newest entry of the table, 3fff::/20 (RFC 9637), was published in
// August 2024.
var SpecialRegistryDate = time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)

// special lists, more specific first, the address ranges that mean something without any dataset
// (IANA special-purpose registries, RFC 6890 and successors).
var special = []struct {
	prefix netip.Prefix
	name   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this-network"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "cgnat"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "ietf-protocol"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("192.88.99.0/24"), "deprecated-6to4-relay"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("255.255.255.255/32"), "broadcast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "private"},
	{netip.MustParsePrefix("100::/64"), "discard"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("3fff::/20"), "documentation"},
	{netip.MustParsePrefix("fc00::/7"), "private"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// Special names the special-purpose range an address belongs to ("private",
// "loopback", "link-local", "cgnat", "documentation", "multicast", …), or ""
// for an ordinary global address. Such addresses are never the perpetrator's
// infrastructure on the Internet, and enrichment says so without a dataset.
func Special(a netip.Addr) string {
	name, _ := SpecialRange(a)
	return name
}

// SpecialRange is Special with the registry's prefix the address is in.
func SpecialRange(a netip.Addr) (string, netip.Prefix) {
	// Prefix.Contains never matches an address with a zone.
	a = a.Unmap().WithZone("")
	for _, s := range special {
		if s.prefix.Contains(a) {
			return s.name, s.prefix
		}
	}
	return "", netip.Prefix{}
}
