package rdap

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// maxParse bounds the answer Parse reads.
const maxParse = 4 << 20

// Network is what a registry's RDAP server said about the network an
// address belongs to.
type Network struct {
	Registry string // "ARIN", "RIPE", "APNIC", "LACNIC", "AFRINIC", "NIC.br"…, from port43 or the self link; "" when unknown
	Handle   string // "NET-3-0-0-0-1", "193.0.0.0 - 193.0.7.255"
	Name     string // "AT-88-Z", "RIPE-NCC"
	Type     string // "ALLOCATED PORTABLE", "ASSIGNED PI"…
	Country  string // ISO 3166 code as registered, upper case
	Parent   string // parentHandle
	First    netip.Addr
	Last     netip.Addr
	// Abuse lists the entities with the role "abuse", network-level ones
	// before those nested under another entity (the registrant's).
	Abuse []Contact
	// AbuseEmail is the first abuse e-mail of Abuse: where a report goes.
	AbuseEmail string
	// Registrant is the name (vCard fn) of the network's registrant: the
	// provider for its own network, the customer for a range it
	// reassigned, which notify tells apart.
	Registrant string
}

// Contact is one abuse entity.
type Contact struct {
	Handle string
	Name   string   // the vCard fn
	Emails []string // the vCard e-mails, the one marked "abuse" first
	Nested bool     // found under another entity, not on the network
}

// Range returns the network as "first - last".
func (n *Network) Range() string {
	if !n.First.IsValid() {
		return ""
	}
	return n.First.String() + " - " + n.Last.String()
}

// Prefix returns the network as one prefix when it is one, else Range().
func (n *Network) Prefix() string {
	if !n.First.IsValid() || !n.Last.IsValid() {
		return ""
	}
	for bits := 0; bits <= n.First.BitLen(); bits++ {
		p := netip.PrefixFrom(n.First, bits).Masked()
		if p.Addr() == n.First && lastOf(p) == n.Last {
			return p.String()
		}
	}
	return n.Range()
}

// Contains reports whether a is inside the network.
func (n *Network) Contains(a netip.Addr) bool {
	return n.First.IsValid() && n.Last.IsValid() && a.BitLen() == n.First.BitLen() &&
		n.First.Compare(a) <= 0 && a.Compare(n.Last) <= 0
}

func lastOf(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

type jsonNetwork struct {
	ObjectClassName string       `json:"objectClassName"`
	Handle          string       `json:"handle"`
	Start           string       `json:"startAddress"`
	End             string       `json:"endAddress"`
	Name            string       `json:"name"`
	Type            string       `json:"type"`
	Country         string       `json:"country"`
	Parent          string       `json:"parentHandle"`
	Port43          string       `json:"port43"`
	Entities        []jsonEntity `json:"entities"`
	Links           []struct {
		Rel  string `json:"rel"`
		Href string `json:"href"`
	} `json:"links"`
	ErrorCode int `json:"errorCode"`
}

type jsonEntity struct {
	Handle   string          `json:"handle"`
	Roles    []any           `json:"roles"`
	VCard    json.RawMessage `json:"vcardArray"`
	Entities []jsonEntity    `json:"entities"`
}

// registries maps port43 servers and RDAP hosts to registry names.
var registries = []struct{ host, name string }{
	{"arin.net", "ARIN"}, {"ripe.net", "RIPE"}, {"apnic.net", "APNIC"},
	{"lacnic.net", "LACNIC"}, {"afrinic.net", "AFRINIC"},
	{"nic.br", "NIC.br"}, {"registro.br", "NIC.br"}, {"nic.ad.jp", "JPNIC"},
	{"nic.or.kr", "KRNIC"}, {"twnic.net", "TWNIC"}, {"cnnic.cn", "CNNIC"},
}

// Parse reads an RDAP "ip network" answer. It returns an error wrapping
// ErrMalformed when the body is not one (an RDAP error object with
// errorCode 404 wraps ErrNotFound).
func Parse(body []byte) (*Network, error) {
	if len(body) > maxParse {
		return nil, fmt.Errorf("answer of %d bytes is larger than %d: %w", len(body), maxParse, ErrTooLarge)
	}
	var j jsonNetwork
	if err := json.Unmarshal(body, &j); err != nil {
		return nil, fmt.Errorf("not RDAP JSON (%v): %w", err, ErrMalformed)
	}
	if j.ErrorCode == 404 {
		return nil, ErrNotFound
	}
	if j.ObjectClassName != "" && j.ObjectClassName != "ip network" {
		return nil, fmt.Errorf("an RDAP %q object, not an ip network: %w", j.ObjectClassName, ErrMalformed)
	}
	n := &Network{Handle: j.Handle, Name: j.Name, Type: j.Type, Country: strings.ToUpper(j.Country), Parent: j.Parent}
	n.First, n.Last = parseAddr(j.Start), parseAddr(j.End)
	if !n.First.IsValid() || !n.Last.IsValid() || n.First.BitLen() != n.Last.BitLen() || n.Last.Less(n.First) {
		return nil, fmt.Errorf("no valid startAddress/endAddress (%q, %q): %w", j.Start, j.End, ErrMalformed)
	}
	hosts := []string{j.Port43}
	for _, l := range j.Links {
		if l.Rel == "self" {
			hosts = append(hosts, l.Href)
		}
	}
	n.Registry = registryOf(hosts...)
	// Breadth first: the network's own abuse contact comes before one
	// nested under the registrant (ARIN lists both, and the network-level
	// one is the one meant for this range).
	level, nested := j.Entities, false
	for depth := 0; len(level) > 0 && depth < 8; depth++ {
		var next []jsonEntity
		for _, e := range level {
			if depth == 0 && n.Registrant == "" && hasRole(e.Roles, "registrant") {
				n.Registrant, _ = readVCard(e.VCard)
			}
			if hasRole(e.Roles, "abuse") {
				c := Contact{Handle: e.Handle, Nested: nested}
				c.Name, c.Emails = readVCard(e.VCard)
				n.Abuse = append(n.Abuse, c)
				if n.AbuseEmail == "" && len(c.Emails) > 0 {
					n.AbuseEmail = c.Emails[0]
				}
			}
			next = append(next, e.Entities...)
		}
		level, nested = next, true
	}
	return n, nil
}

// RegistryOf names the registry of a port43 server or RDAP URL, or "".
func registryOf(hosts ...string) string {
	for _, h := range hosts {
		h = strings.ToLower(h)
		for _, r := range registries {
			if strings.Contains(h, r.host) {
				return r.name
			}
		}
	}
	return ""
}

// parseAddr reads an RDAP address as registries write it: plain, with a
// "/32" or "/128" suffix (old RIPE), zero-padded IPv4 (old ARIN), upper
// case IPv6.
func parseAddr(s string) netip.Addr {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "/")
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap()
	}
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return netip.Addr{}
	}
	var b [4]byte
	for i, p := range parts {
		v, err := strconv.ParseUint(p, 10, 8)
		if err != nil || len(p) > 3 {
			return netip.Addr{}
		}
		b[i] = byte(v)
	}
	return netip.AddrFrom4(b)
}

// hasRole reports whether roles holds role, also inside one string that
// lists several ("technical, abuse", as LACNIC wrote it).
func hasRole(roles []any, role string) bool {
	for _, r := range roles {
		s, _ := r.(string)
		for _, f := range strings.FieldsFunc(s, func(c rune) bool { return c == ',' || c == ' ' }) {
			if strings.EqualFold(f, role) {
				return true
			}
		}
	}
	return false
}

// readVCard returns the fn and the e-mails of a jCard (RFC 7095), the ones
// whose type parameter says "abuse" first, without
// duplicates.
func readVCard(raw json.RawMessage) (string, []string) {
	var card []any
	if json.Unmarshal(raw, &card) != nil || len(card) != 2 {
		return "", nil
	}
	props, _ := card[1].([]any)
	var fn string
	var marked, plain []string
	seen := map[string]bool{}
	for _, p := range props {
		prop, _ := p.([]any)
		if len(prop) < 4 {
			continue
		}
		name, _ := prop[0].(string)
		value, _ := prop[3].(string)
		value = strings.TrimSpace(value)
		switch strings.ToLower(name) {
		case "fn":
			fn = value
		case "email":
			v := strings.ToLower(strings.TrimPrefix(value, "mailto:"))
			if v == "" || !strings.Contains(v, "@") || seen[v] {
				continue
			}
			seen[v] = true
			params, _ := prop[1].(map[string]any)
			if hasRole(typeParam(params), "abuse") {
				marked = append(marked, v)
			} else {
				plain = append(plain, v)
			}
		}
	}
	return fn, append(marked, plain...)
}

func typeParam(params map[string]any) []any {
	switch t := params["type"].(type) {
	case string:
		return []any{t}
	case []any:
		return t
	}
	return nil
}
