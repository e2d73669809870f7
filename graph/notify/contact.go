package notify

import (
	"strings"

	"github.com/casefile/casefile/enrich"
)

// Contact is the abuse contact of a source, and where it was read.
type Contact struct {
	Email    string `json:"email"`
	Source   string `json:"source"`  // "rdap:rdap.arin.net", "whois:whois.ripe.net"
	Dataset  string `json:"dataset"` // "sha256:…" of the preserved answer
	Registry string `json:"registry,omitempty"`
	Network  string `json:"network,omitempty"`  // prefix or range
	NetName  string `json:"net_name,omitempty"` // the network's or organisation's name
}

// contactOf picks the abuse contact from a source's observations: the
// latest RDAP answer naming one, else the latest WHOIS answer naming one.
// RDAP comes first because its abuse role is explicit, where WHOIS
// abuse lines are read from free text.
func contactOf(obs []enrich.Observation) *Contact {
	for _, typ := range []string{enrich.TypeRDAP, enrich.TypeWHOIS} {
		var best *enrich.Observation
		for i := range obs {
			o := &obs[i]
			if o.SourceType != typ || abuseEmail(o) == "" {
				continue
			}
			if best == nil || o.DatasetDate.After(best.DatasetDate) {
				best = o
			}
		}
		if best != nil {
			c := &Contact{Email: abuseEmail(best), Source: best.Source, Dataset: best.Dataset, Network: best.Network}
			c.Registry, _ = best.Fields[enrich.FieldRegistry].(string)
			for _, k := range []string{enrich.FieldNetName, enrich.FieldOrg} {
				if s, _ := best.Fields[k].(string); s != "" && c.NetName == "" {
					c.NetName = s
				}
			}
			return c
		}
	}
	return nil
}

func abuseEmail(o *enrich.Observation) string {
	s, _ := o.Fields[enrich.FieldAbuseEmail].(string)
	s = strings.ToLower(strings.TrimSpace(s))
	if at := strings.LastIndexByte(s, '@'); at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " \t\r\n<>,;\"") {
		return ""
	}
	return s
}
