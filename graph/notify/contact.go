package notify

import (
	"strings"

	"github.com/casefile/casefile/enrich"
)

// Kinds of contact: whom a report is addressed to, which decides how the
// e-mail introduces itself.
const (
	// KindNetwork is the abuse contact a registry names for the network of
	// an address.
	KindNetwork = "network"
	// KindRegistrar is the abuse contact of a domain's registrar, from the
	// domain's WHOIS answer.
	KindRegistrar = "registrar"
	// KindPlatform is a cloud provider's abuse desk, for an address inside
	// its published ranges that the registry shows reassigned to a
	// customer (platform.go).
	KindPlatform = "platform"
)

// Contact is the abuse contact of a source, and where it was read.
type Contact struct {
	Email    string `json:"email"`
	Kind     string `json:"kind"`
	Source   string `json:"source"`  // "rdap:rdap.arin.net", "whois:whois.ripe.net", "casefile:platform-desks"
	Dataset  string `json:"dataset"` // "sha256:…" of the preserved answer ("" for the built-in table)
	Registry string `json:"registry,omitempty"`
	Network  string `json:"network,omitempty"`  // prefix or range
	NetName  string `json:"net_name,omitempty"` // the network's or organisation's name; a domain's registrar
	// Owner is the registrant (RDAP) or organisation (WHOIS) the answer
	// names for the network.
	Owner string `json:"owner,omitempty"`
	// A platform's desk: the provider and service whose published range
	// holds the address, the customer the registry names for it (whom the
	// platform must reach) with the customer's own abuse e-mail when the
	// registry gives one, and where the desk's address was found.
	Provider      string `json:"provider,omitempty"`
	Service       string `json:"service,omitempty"`
	Customer      string `json:"customer,omitempty"`
	CustomerEmail string `json:"customer_email,omitempty"`
	Via           string `json:"via,omitempty"`
}

// contactOf picks the abuse contact from a source's observations: the
// latest RDAP answer naming one, else the latest WHOIS answer naming one
// (a network's abuse contact, or a domain's registrar's). RDAP comes first
// because its abuse role is explicit, where WHOIS abuse lines are read
// from free text.
func contactOf(obs []enrich.Observation) *Contact {
	for _, typ := range []string{enrich.TypeRDAP, enrich.TypeWHOIS} {
		var best *enrich.Observation
		for i := range obs {
			o := &obs[i]
			if o.SourceType != typ || answerEmail(o) == "" {
				continue
			}
			if best == nil || o.DatasetDate.After(best.DatasetDate) {
				best = o
			}
		}
		if best != nil {
			return answerContact(best)
		}
	}
	return nil
}

// answerContact is the contact a registry answer names.
func answerContact(o *enrich.Observation) *Contact {
	c := &Contact{Email: abuseEmail(o, enrich.FieldAbuseEmail), Kind: KindNetwork, Source: o.Source, Dataset: o.Dataset, Network: o.Network}
	if c.Email == "" {
		c.Email, c.Kind = abuseEmail(o, enrich.FieldRegistrarAbuseEmail), KindRegistrar
	}
	c.Registry, _ = o.Fields[enrich.FieldRegistry].(string)
	c.Owner = ownerOf(o)
	keys := []string{enrich.FieldNetName, enrich.FieldOrg}
	if c.Kind == KindRegistrar {
		keys = []string{enrich.FieldRegistrar}
	}
	for _, k := range keys {
		if s, _ := o.Fields[k].(string); s != "" && c.NetName == "" {
			c.NetName = s
		}
	}
	return c
}

// answerEmail is the e-mail a registry answer names for reports: the
// network's abuse contact, else a domain's registrar's.
func answerEmail(o *enrich.Observation) string {
	if s := abuseEmail(o, enrich.FieldAbuseEmail); s != "" {
		return s
	}
	return abuseEmail(o, enrich.FieldRegistrarAbuseEmail)
}

// ownerOf is the holder an answer names for the network: the RDAP
// registrant, the WHOIS organisation.
func ownerOf(o *enrich.Observation) string {
	for _, k := range []string{enrich.FieldRegistrant, enrich.FieldOrg} {
		if s, _ := o.Fields[k].(string); strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// abuseEmail is the address in field k, lower case, or "" when it is not
// one address.
func abuseEmail(o *enrich.Observation, k string) string {
	s, _ := o.Fields[k].(string)
	s = strings.ToLower(strings.TrimSpace(s))
	if at := strings.LastIndexByte(s, '@'); at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " \t\r\n<>,;\"") {
		return ""
	}
	return s
}
