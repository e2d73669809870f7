package whois

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// IPRecord is what a regional Internet registry said about the network an
// address belongs to.
type IPRecord struct {
	Registry string // "ARIN", "RIPE", "APNIC", "LACNIC" or "AFRINIC"; "" when unknown
	// Source is the database the network object came from when the
	// response names one ("RIPE", "APNIC", "JPNIC", "KRNIC", "AFRINIC").
	Source   string
	First    netip.Addr // first address of the network
	Last     netip.Addr // last address of the network
	Prefixes []netip.Prefix
	NetName  string
	Descr    []string
	Org      string // organisation name (org-name, OrgName, owner), else the administrative role's name
	OrgID    string // organisation handle (org, OrgId, ownerid)
	Country  string // ISO 3166 code as registered, upper case
	// AbuseEmail is the abuse contact: the registry's "Abuse contact for"
	// line, else abuse-c / mnt-irt / OrgAbuse / RAbuse contacts.
	AbuseEmail string
	OriginAS   string // "AS15169", when the response says
	Status     string
	Created    time.Time // registration date of the network, UTC; zero when absent
	Updated    time.Time // last change of the network object, UTC; zero when absent
	// Malformed counts the lines that were skipped because they were neither
	// comments nor "key: value" attributes.
	Malformed int
}

// Range returns the network as "first - last".
func (r *IPRecord) Range() string {
	return r.First.String() + " - " + r.Last.String()
}

// Network returns the single prefix when the range is one, else Range().
func (r *IPRecord) Network() string {
	if len(r.Prefixes) == 1 {
		return r.Prefixes[0].String()
	}
	return r.Range()
}

// ParseIP parses a port-43 IP WHOIS response from ARIN, RIPE, APNIC, LACNIC
// or AFRINIC. When the response describes several networks (an allocation
// and its assignment; ARIN's parent and child nets), the most specific one is
// returned: among those containing addr when addr is valid, else among all.
//
// The response is read as text; CRLF line endings are accepted. A response
// larger than 4 MiB is refused, and lines that are not attributes are
// counted in Malformed, never fatal. ParseIP returns an error wrapping
// ErrNotFound when no network in the response contains addr or the server
// says it has no entry, and ErrMalformed when the text holds no network (a
// refusal such as "%ERROR:201: access denied", or not WHOIS at all).
func ParseIP(raw []byte, addr netip.Addr) (*IPRecord, error) {
	if len(raw) > maxParse {
		return nil, fmt.Errorf("whois: ip response of %d bytes exceeds %d: %w", len(raw), maxParse, ErrMalformed)
	}
	addr = addr.Unmap()
	d := splitDocument(raw)

	var best *object
	var bestFirst, bestLast netip.Addr
	networks := 0
	for i := range d.objects {
		o := &d.objects[i]
		first, last, ok := objectRange(o)
		if !ok {
			continue
		}
		networks++
		if addr.IsValid() && (addr.Less(first) || last.Less(addr)) {
			continue
		}
		if best == nil || !larger(first, last, bestFirst, bestLast) {
			best, bestFirst, bestLast = o, first, last
		}
	}
	if best == nil {
		switch {
		case networks > 0:
			return nil, fmt.Errorf("whois: none of %d networks in the response contains %s: %w", networks, addr, ErrNotFound)
		case len(d.errors) > 0 && isNoMatch(strings.ToLower(d.errors[0])):
			return nil, fmt.Errorf("whois: server said %q: %w", d.errors[0], ErrNotFound)
		case len(d.errors) > 0:
			// Refusals ("%ERROR:201: access denied") are not answers.
			return nil, fmt.Errorf("whois: server said %q: %w", d.errors[0], ErrMalformed)
		case len(d.objects) > 0:
			return nil, fmt.Errorf("whois: response has no inetnum, inet6num or NetRange: %w", ErrMalformed)
		default:
			return nil, fmt.Errorf("whois: response has no WHOIS objects: %w", ErrMalformed)
		}
	}
	r := &IPRecord{First: bestFirst, Last: bestLast, Prefixes: rangePrefixes(bestFirst, bestLast), Malformed: d.malformed}
	if best.kind() == "netrange" {
		fillARIN(r, d, best)
	} else {
		fillRPSL(r, d, best)
	}
	r.Country = strings.ToUpper(r.Country)
	return r, nil
}

// objectRange returns the range of a network object (inetnum, inet6num,
// NetRange, or ARIN's CIDR alone).
func objectRange(o *object) (first, last netip.Addr, ok bool) {
	switch o.kind() {
	case "inetnum", "inet6num", "netrange":
		return parseRange(o.attrs[0].val)
	}
	return netip.Addr{}, netip.Addr{}, false
}

// parseRange reads "a - b", "a/len" and LACNIC's short form "200.57.128/19".
func parseRange(s string) (first, last netip.Addr, ok bool) {
	s = strings.TrimSpace(s)
	if a, b, found := strings.Cut(s, "-"); found && !strings.Contains(s, "/") {
		first, err1 := netip.ParseAddr(strings.TrimSpace(a))
		last, err2 := netip.ParseAddr(strings.TrimSpace(b))
		if err1 != nil || err2 != nil || first.Zone() != "" || last.Zone() != "" {
			return netip.Addr{}, netip.Addr{}, false
		}
		first, last = first.Unmap(), last.Unmap()
		if first.Is4() != last.Is4() || last.Less(first) {
			return netip.Addr{}, netip.Addr{}, false
		}
		return first, last, true
	}
	// RPSL may list several prefixes separated by commas; take the first.
	if i := strings.IndexAny(s, ", "); i >= 0 {
		s = s[:i]
	}
	p, ok := parsePrefix(s)
	if !ok {
		return netip.Addr{}, netip.Addr{}, false
	}
	return p.Addr(), lastAddr(p), true
}

// parsePrefix parses a CIDR prefix, accepting the LACNIC short IPv4 form
// with fewer than four octets. A prefix with host bits set is masked.
func parsePrefix(s string) (netip.Prefix, bool) {
	a, l, ok := strings.Cut(s, "/")
	if !ok {
		return netip.Prefix{}, false
	}
	if !strings.Contains(a, ":") {
		if n := strings.Count(a, "."); n < 3 && a != "" {
			a += strings.Repeat(".0", 3-n)
		}
	}
	addr, err := netip.ParseAddr(a)
	if err != nil || addr.Zone() != "" || addr.Is4In6() {
		return netip.Prefix{}, false
	}
	bits, err := strconv.Atoi(l)
	if err != nil || l == "" || l[0] == '+' || l[0] == '-' {
		return netip.Prefix{}, false
	}
	p, err := addr.Prefix(bits)
	if err != nil {
		return netip.Prefix{}, false
	}
	return p, true
}

// fillRPSL fills r from a RIPE/APNIC/AFRINIC/LACNIC network object and the
// objects it refers to.
func fillRPSL(r *IPRecord, d *document, n *object) {
	sec := n.section
	r.NetName = n.first("netname")
	r.Descr = n.all("descr")
	r.Country = n.first("country")
	r.Status = n.first("status")
	r.Source = cleanSource(n.first("source"))

	if owner := n.first("owner"); owner != "" || n.first("ownerid") != "" {
		// LACNIC
		r.Registry = "LACNIC"
		r.Org, r.OrgID = owner, n.first("ownerid")
		if as := n.first("aut-num"); strings.HasPrefix(strings.ToUpper(as), "AS") {
			r.OriginAS = strings.ToUpper(as)
		}
	} else {
		r.Registry = registryOf(r.Source)
	}

	contacts := []string{"role", "person", "nic-hdl"}
	if id := n.first("org"); id != "" {
		r.OrgID = id
		if org := d.find([]string{"organisation"}, id, sec); org != nil {
			r.Org = org.first("org-name")
		}
	}
	if r.Org == "" {
		for _, h := range append(n.all("admin-c"), n.all("tech-c")...) {
			if c := d.find(contacts, h, sec); c != nil && c.kind() == "role" {
				r.Org = c.attrs[0].val
				break
			}
		}
	}
	if r.Org == "" && len(r.Descr) > 0 {
		r.Org = r.Descr[0]
	}

	r.AbuseEmail = d.abuse[sec]
	if r.AbuseEmail == "" {
		r.AbuseEmail = n.first("abuse-mailbox")
	}
	mailbox := func(o *object, email bool) string {
		if o == nil {
			return ""
		}
		if v := o.first("abuse-mailbox"); v != "" {
			return v
		}
		if email {
			return o.first("e-mail")
		}
		return ""
	}
	if r.AbuseEmail == "" {
		for _, h := range n.all("abuse-c") {
			if v := mailbox(d.find(contacts, h, sec), true); v != "" {
				r.AbuseEmail = v
				break
			}
		}
	}
	if r.AbuseEmail == "" {
		for _, h := range n.all("mnt-irt") {
			if v := mailbox(d.find([]string{"irt"}, h, sec), true); v != "" {
				r.AbuseEmail = v
				break
			}
		}
	}
	if r.AbuseEmail == "" && r.OrgID != "" {
		if org := d.find([]string{"organisation"}, r.OrgID, sec); org != nil {
			for _, h := range org.all("abuse-c") {
				if v := mailbox(d.find(contacts, h, sec), true); v != "" {
					r.AbuseEmail = v
					break
				}
			}
		}
	}
	if r.AbuseEmail == "" {
		for _, h := range append(n.all("admin-c"), n.all("tech-c")...) {
			if v := mailbox(d.find(contacts, h, sec), false); v != "" {
				r.AbuseEmail = v
				break
			}
		}
	}

	r.Created = parseDate(n.first("created"))
	r.Updated = parseDate(n.first("last-modified"))
	if r.Updated.IsZero() {
		r.Updated = parseDate(n.first("changed"))
	}
	if r.Created.IsZero() || r.Updated.IsZero() {
		// APNIC: "changed: hm-changed@apnic.net 20021025", several.
		var lo, hi time.Time
		for _, c := range n.all("changed") {
			f := strings.Fields(c)
			if len(f) == 0 {
				continue
			}
			t := parseDate(f[len(f)-1])
			if t.IsZero() {
				continue
			}
			if lo.IsZero() || t.Before(lo) {
				lo = t
			}
			if hi.IsZero() || t.After(hi) {
				hi = t
			}
		}
		if r.Created.IsZero() {
			r.Created = lo
		}
		if r.Updated.IsZero() {
			r.Updated = hi
		}
	}

	if r.OriginAS == "" {
		r.OriginAS = routeOrigin(d, r.First)
	}
}

// routeOrigin returns the origin of the most specific route object covering
// a, if the response carries one.
func routeOrigin(d *document, a netip.Addr) string {
	best, bits := "", -1
	for i := range d.objects {
		o := &d.objects[i]
		if o.kind() != "route" && o.kind() != "route6" {
			continue
		}
		p, ok := parsePrefix(o.attrs[0].val)
		if !ok || !p.Contains(a) || p.Bits() <= bits {
			continue
		}
		if as := strings.ToUpper(o.first("origin")); strings.HasPrefix(as, "AS") {
			best, bits = as, p.Bits()
		}
	}
	return best
}

// fillARIN fills r from an ARIN NetRange object and the Org/Customer and
// point-of-contact blocks of its section.
func fillARIN(r *IPRecord, d *document, n *object) {
	r.Registry = "ARIN"
	r.NetName = n.first("netname")
	r.Status = n.first("nettype")
	r.Created = parseDate(n.first("regdate"))
	r.Updated = parseDate(n.first("updated"))
	if as := strings.ToUpper(strings.TrimSpace(n.first("originas"))); strings.HasPrefix(as, "AS") {
		if i := strings.IndexAny(as, ", "); i >= 0 {
			as = as[:i]
		}
		r.OriginAS = as
	}
	// "Organization: Google Inc. (GOGL)" or "Customer: Example (C01234567)"
	holder := n.first("organization")
	if holder == "" {
		holder = n.first("customer")
	}
	if i := strings.LastIndexByte(holder, '('); i > 0 && strings.HasSuffix(holder, ")") {
		r.Org = strings.TrimSpace(holder[:i])
		r.OrgID = holder[i+1 : len(holder)-1]
	} else {
		r.Org = holder
	}
	var orgAbuse, rAbuse string
	for i := range d.objects {
		o := &d.objects[i]
		if o.section != n.section {
			continue
		}
		switch o.kind() {
		case "orgname", "custname":
			if v := o.attrs[0].val; v != "" {
				r.Org = v
			}
			if v := o.first("orgid"); v != "" {
				r.OrgID = v
			}
			if v := o.first("country"); v != "" {
				r.Country = v
			}
		}
		if v := o.first("orgabuseemail"); v != "" && orgAbuse == "" {
			orgAbuse = v
		}
		if v := o.first("rabuseemail"); v != "" && rAbuse == "" {
			rAbuse = v
		}
	}
	r.AbuseEmail = rAbuse
	if r.AbuseEmail == "" {
		r.AbuseEmail = orgAbuse
	}
}

// cleanSource turns "RIPE # Filtered" into "RIPE".
func cleanSource(s string) string {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	return strings.ToUpper(strings.TrimSpace(s))
}

// registryOf names the RIR a database belongs to.
func registryOf(source string) string {
	switch source {
	case "RIPE", "RIPE-NONAUTH":
		return "RIPE"
	case "AFRINIC":
		return "AFRINIC"
	case "APNIC", "JPNIC", "KRNIC", "TWNIC", "IDNIC", "CNNIC", "VNNIC", "IRINN":
		return "APNIC"
	case "LACNIC":
		return "LACNIC"
	case "ARIN":
		return "ARIN"
	}
	return ""
}

// parseDate reads the dates the registries write: 2008-08-14T14:54:30Z,
// 2007-03-13, 20001204. It returns the zero time for anything else.
func parseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, "2006-01-02", "20060102"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
