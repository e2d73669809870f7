package scenario

import (
	"fmt"
	"net/netip"
	"strings"
)

// Kinds of network, which decide the names, flags and connection type the
// datasets give them.
const (
	kindHosting     = "hosting"
	kindResidential = "residential"
	kindCellular    = "cellular"
	kindUniversity  = "university"
	kindBusiness    = "business"
	kindCloud       = "cloud" // AWS, listed in ip-ranges.json
	kindCDN         = "cdn"
)

// place is a city the datasets can put an address in.
type place struct {
	cc, country, continent, city, tz string
	lat, lon                         float64
	registry                         string // RIPE or ARIN
}

var places = []place{
	{"DE", "Germany", "EU", "Frankfurt am Main", "Europe/Berlin", 50.1109, 8.6821, "RIPE"},
	{"NL", "Netherlands", "EU", "Amsterdam", "Europe/Amsterdam", 52.3676, 4.9041, "RIPE"},
	{"FR", "France", "EU", "Paris", "Europe/Paris", 48.8566, 2.3522, "RIPE"},
	{"GB", "United Kingdom", "EU", "London", "Europe/London", 51.5072, -0.1276, "RIPE"},
	{"SE", "Sweden", "EU", "Stockholm", "Europe/Stockholm", 59.3293, 18.0686, "RIPE"},
	{"PL", "Poland", "EU", "Warsaw", "Europe/Warsaw", 52.2297, 21.0122, "RIPE"},
	{"RO", "Romania", "EU", "Bucharest", "Europe/Bucharest", 44.4268, 26.1025, "RIPE"},
	{"CZ", "Czechia", "EU", "Prague", "Europe/Prague", 50.0755, 14.4378, "RIPE"},
	{"FI", "Finland", "EU", "Helsinki", "Europe/Helsinki", 60.1699, 24.9384, "RIPE"},
	{"ES", "Spain", "EU", "Madrid", "Europe/Madrid", 40.4168, -3.7038, "RIPE"},
	{"IT", "Italy", "EU", "Milan", "Europe/Rome", 45.4642, 9.19, "RIPE"},
	{"CH", "Switzerland", "EU", "Zurich", "Europe/Zurich", 47.3769, 8.5417, "RIPE"},
	{"UA", "Ukraine", "EU", "Kyiv", "Europe/Kyiv", 50.4501, 30.5234, "RIPE"},
	{"TR", "Turkey", "AS", "Istanbul", "Europe/Istanbul", 41.0082, 28.9784, "RIPE"},
	{"US", "United States", "NA", "Ashburn", "America/New_York", 39.0438, -77.4874, "ARIN"},
	{"US", "United States", "NA", "Chicago", "America/Chicago", 41.8781, -87.6298, "ARIN"},
	{"US", "United States", "NA", "Dallas", "America/Chicago", 32.7767, -96.797, "ARIN"},
	{"US", "United States", "NA", "San Jose", "America/Los_Angeles", 37.3382, -121.8863, "ARIN"},
	{"CA", "Canada", "NA", "Toronto", "America/Toronto", 43.6532, -79.3832, "ARIN"},
	{"BR", "Brazil", "SA", "Sao Paulo", "America/Sao_Paulo", -23.5505, -46.6333, "ARIN"},
	{"JP", "Japan", "AS", "Tokyo", "Asia/Tokyo", 35.6762, 139.6503, "ARIN"},
	{"SG", "Singapore", "AS", "Singapore", "Asia/Singapore", 1.3521, 103.8198, "ARIN"},
	{"IN", "India", "AS", "Mumbai", "Asia/Kolkata", 19.076, 72.8777, "ARIN"},
	{"KR", "South Korea", "AS", "Seoul", "Asia/Seoul", 37.5665, 126.978, "ARIN"},
	{"VN", "Vietnam", "AS", "Hanoi", "Asia/Bangkok", 21.0278, 105.8342, "ARIN"},
	{"ZA", "South Africa", "AF", "Johannesburg", "Africa/Johannesburg", -26.2041, 28.0473, "ARIN"},
}

// firstOctets are IPv4 first octets the generator draws networks from: all
// globally routable, none in a special-purpose block.
var firstOctets = []byte{
	5, 23, 31, 37, 45, 46, 62, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 92, 93, 94, 95,
	103, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 121, 122, 123, 124, 125, 141, 145, 146,
	151, 152, 154, 155, 156, 158, 159, 160, 161, 162, 163, 164, 165, 167, 168, 170, 171, 173, 174, 175,
	176, 177, 178, 179, 180, 181, 182, 183, 185, 186, 187, 188, 189, 190, 191, 193, 194, 195, 196, 197,
	200, 201, 202, 206, 207, 208, 209, 210, 211, 212, 213, 217, 218, 219, 220, 221, 222,
}

// network is one announced prefix with everything the datasets say about it.
type network struct {
	prefix  netip.Prefix
	kind    string
	asn     uint32
	asOrg   string
	org     string // WHOIS organisation
	netname string
	abuse   string
	place   place
	radius  uint16
	conn    string // GeoIP2 Connection-Type
	hosting bool   // is_hosting_provider
	service string // AWS service for kindCloud and kindCDN
	region  string
}

// host is one address with its own flags.
type host struct {
	addr            netip.Addr
	net             *network
	vpn, resProxy   bool
	pubProxy, torMM bool // flags in the Anonymous-IP database
	geoPlace        *place
}

var (
	nameStems = []string{
		"Nordwind", "Bluefjord", "Corvex", "Altamira", "Sundial", "Kestrel", "Brightline", "Ironbark",
		"Meridian", "Lumen", "Pinecrest", "Halcyon", "Vantor", "Quillon", "Oakridge", "Silverleaf",
		"Tessera", "Zephyr", "Arbor", "Marlin", "Granite", "Heron", "Solstice", "Ravel", "Tamarack",
		"Calder", "Fenwick", "Gorse", "Harbour", "Juniper", "Larkspur", "Mistral", "Norvik", "Obsidian",
		"Peregrine", "Quarry", "Rowan", "Saltmarsh", "Thistle", "Umber", "Verdant", "Wexford", "Yarrow",
	}
	towns = []string{
		"Aldermoor", "Brackenridge", "Castlewick", "Dunmore", "Eastholm", "Fairhaven", "Glenrock", "Hollins",
		"Ivybridge", "Kingsport", "Lochmere", "Millbrook", "Northam", "Oakhurst", "Pembrey", "Redcliff",
		"Stonebridge", "Thornbury", "Upperton", "Westvale",
	}
	trades = []string{"Baeckerei", "Tischlerei", "Steuerberatung", "Dental Practice", "Print Shop", "Architects",
		"Logistics", "Autohaus", "Garden Centre", "Veterinary Clinic"}
)

// newNet allocates a network of kind k in a fresh /16.
func (g *gen) newNet(k string, p place) *network {
	var key [2]byte
	for {
		key = [2]byte{pick(g, firstOctets), byte(g.rng.IntN(256))}
		if !g.used[key] {
			break
		}
	}
	g.used[key] = true
	bits := pick(g, []int{16, 18, 19, 20, 21, 22})
	third := byte(0)
	if bits > 16 {
		third = byte(g.rng.IntN(256)) &^ byte((1<<(24-min(bits, 24)))-1)
	}
	pfx := netip.PrefixFrom(netip.AddrFrom4([4]byte{key[0], key[1], third, 0}), bits).Masked()
	n := &network{prefix: pfx, kind: k, place: p, asn: uint32(g.between(1000, 64000)), radius: uint16(pick(g, []int{5, 10, 20, 50, 100}))}
	stem := pick(g, nameStems)
	town := pick(g, towns)
	switch k {
	case kindHosting:
		n.asOrg = pick(g, []string{stem + " Hosting Ltd", stem + " Cloud LLC", stem + " Servers B.V.", stem + " Datacenter GmbH", stem + " Networks Inc", stem + " VPS SRL"})
		n.org, n.conn, n.hosting, n.radius = n.asOrg, "Corporate", true, uint16(pick(g, []int{20, 50, 100, 200}))
	case kindResidential:
		n.asOrg = pick(g, []string{stem + " Kabel GmbH", stem + " Telecom", stem + "net Broadband", stem + " Fibre Ltd", stem + " Communications Inc"})
		n.org, n.conn = n.asOrg, "Cable/DSL"
	case kindCellular:
		n.asOrg = pick(g, []string{stem + " Mobile", stem + " Wireless LLC", stem + " Mobil AS"})
		n.org, n.conn, n.radius = n.asOrg, "Cellular", 200
	case kindUniversity:
		n.asOrg = p.country + " Research and Education Network"
		n.org, n.conn = pick(g, []string{"University of " + town, town + " Technical University", town + " University"}), "Corporate"
	case kindBusiness:
		n.asOrg = pick(g, []string{stem + " Telecom Business", stem + " Business Broadband", stem + " Carrier Services"})
		n.org, n.conn = pick(g, trades)+" "+town+" "+pick(g, []string{"GmbH", "Ltd", "Oy", "B.V."}), "Cable/DSL"
	case kindCloud, kindCDN:
		n.asn, n.asOrg, n.org, n.conn = 16509, "AMAZON-02", "Amazon.com, Inc.", "Corporate"
		n.hosting = k == kindCloud
	}
	slug := strings.ToUpper(strings.Fields(n.org)[0])
	n.netname = fmt.Sprintf("%s-%s-%d", strings.Map(alnum, slug), p.cc, g.between(1, 99))
	dom := strings.ToLower(strings.Map(alnum, stem))
	if k == kindUniversity {
		dom = strings.ToLower(strings.Map(alnum, town)) + "-uni"
	}
	n.abuse = "abuse@" + dom + pick(g, []string{".example", ".example.net", ".example.org"})
	g.nets = append(g.nets, n)
	return n
}

func alnum(r rune) rune {
	if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
		return r
	}
	return -1
}

// addr hands out a new address in n (never .0 or .255).
func (g *gen) addr(n *network) *host {
	size := uint32(1) << (32 - n.prefix.Bits())
	base := n.prefix.Addr().As4()
	b := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	for {
		off := uint32(g.rng.IntN(int(size)))
		v := b + off
		if v&0xff == 0 || v&0xff == 255 {
			continue
		}
		a := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
		if _, ok := g.hosts[a.String()]; ok {
			continue
		}
		h := &host{addr: a, net: n}
		g.hosts[a.String()] = h
		return h
	}
}

// hostIn is addr on a fresh network of kind k in a random place.
func (g *gen) hostIn(k string) *host {
	return g.addr(g.newNet(k, pick(g, places)))
}

func (h *host) String() string { return h.addr.String() }

// placeOf is where the City database puts h.
func (h *host) placeOf() place {
	if h.geoPlace != nil {
		return *h.geoPlace
	}
	return h.net.place
}
