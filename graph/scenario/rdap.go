package scenario

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// rdapAnswers records the registries' RDAP answer for every network a host
// of the incident sits in, as rdap/<prefix>.json: RIPE's shape (the abuse
// entity beside the network) or ARIN's (nested under the registrant). They
// carry the same abuse contact as the WHOIS answers and draw nothing from
// the random stream, so an incident's other files stay as they were.
func (g *gen) rdapAnswers(files map[string][]byte) error {
	seen := map[*network]bool{}
	var nets []*network
	for _, h := range g.hosts {
		if n := h.net; n != nil && n.abuse != "" && n.prefix.Addr().Is4() && !seen[n] {
			seen[n] = true
			nets = append(nets, n)
		}
	}
	sort.Slice(nets, func(i, j int) bool { return nets[i].prefix.Addr().Less(nets[j].prefix.Addr()) })
	for _, n := range nets {
		b, err := json.MarshalIndent(rdapNetwork(n), "", "  ")
		if err != nil {
			return err
		}
		files["rdap/"+strings.ReplaceAll(n.prefix.String(), "/", "_")+".json"] = append(b, '\n')
	}
	return nil
}

func rdapNetwork(n *network) map[string]any {
	first, last := n.prefix.Addr().String(), lastOf(n)
	vcard := func(fn, kind string, email string) []any {
		props := []any{[]any{"version", map[string]any{}, "text", "4.0"}, []any{"fn", map[string]any{}, "text", fn}, []any{"kind", map[string]any{}, "text", kind}}
		if email != "" {
			props = append(props, []any{"email", map[string]any{"type": "abuse"}, "text", email})
		}
		return []any{"vcard", props}
	}
	if n.place.registry == "RIPE" {
		return map[string]any{
			"objectClassName": "ip network", "handle": first + " - " + last, "startAddress": first, "endAddress": last,
			"ipVersion": "v4", "name": n.netname, "type": "ASSIGNED PA", "country": n.place.cc, "port43": "whois.ripe.net",
			"rdapConformance": []string{"cidr0", "rdap_level_0", "nro_rdap_profile_0"},
			"links":           []any{map[string]any{"rel": "self", "href": "https://rdap.db.ripe.net/ip/" + first}},
			"entities": []any{
				map[string]any{"objectClassName": "entity", "handle": fmt.Sprintf("AR%d-RIPE", n.asn), "roles": []string{"abuse"}, "vcardArray": vcard("Abuse contact", "group", n.abuse)},
				map[string]any{"objectClassName": "entity", "handle": fmt.Sprintf("ORG-%s-RIPE", n.netname), "roles": []string{"registrant"}, "vcardArray": vcard(n.org, "org", "")},
			},
		}
	}
	return map[string]any{
		"objectClassName": "ip network", "handle": "NET-" + strings.ReplaceAll(first, ".", "-") + "-1", "startAddress": first, "endAddress": last,
		"ipVersion": "v4", "name": n.netname, "type": "DIRECT ALLOCATION", "port43": "whois.arin.net",
		"rdapConformance": []string{"nro_rdap_profile_0", "rdap_level_0", "cidr0", "arin_originas0"},
		"links":           []any{map[string]any{"rel": "self", "href": "https://rdap.arin.net/registry/ip/" + first}},
		"entities": []any{map[string]any{
			"objectClassName": "entity", "handle": fmt.Sprintf("ORG%d-ARIN", n.asn), "roles": []string{"registrant"}, "vcardArray": vcard(n.org, "org", ""),
			"entities": []any{map[string]any{"objectClassName": "entity", "handle": fmt.Sprintf("ABUSE%d-ARIN", n.asn), "roles": []string{"abuse"}, "vcardArray": vcard("Abuse", "group", n.abuse)}},
		}},
	}
}
