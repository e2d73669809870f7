package warninglist

import (
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/indicator"
)

// mispTypes maps Casefile indicator types to the MISP attribute types a
// list's matching_attributes may name.
var mispTypes = map[string][]string{
	"ip":         {"ip-src", "ip-dst", "ip-src|port", "ip-dst|port", "domain|ip"},
	"domain":     {"domain", "hostname", "domain|ip", "hostname|port"},
	"url":        {"url", "uri", "link"},
	"email":      {"email", "email-src", "email-dst"},
	"user-agent": {"user-agent"},
	"hash":       {"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "filename|md5", "filename|sha1", "filename|sha256"},
}

// applies reports whether the list may be matched against indicators of typ.
func (l *List) applies(typ string) bool {
	if len(l.matching) == 0 {
		return true
	}
	for _, t := range mispTypes[typ] {
		if slices.Contains(l.matching, t) {
			return true
		}
	}
	return false
}

// Lookup matches an address: containment for cidr lists, exact equality
// with its canonical text for string lists. at is ignored.
func (l *List) Lookup(a netip.Addr, at time.Time) []enrich.Observation {
	if !a.IsValid() || !l.applies("ip") {
		return nil
	}
	a = a.Unmap().WithZone("")
	switch l.typ {
	case "cidr":
		es := l.tab.Lookup(a)
		if len(es) == 0 {
			return nil
		}
		best := es[len(es)-1]
		return l.observe(a.String(), best.Prefix.String(), l.cidrText[best.Value])
	case "string":
		s := a.String()
		if _, ok := l.exact[s]; ok {
			return l.observe(s, "", s)
		}
	}
	return nil
}

// LookupValue matches an indicator of type typ ("ip", "domain", "url",
// "email", "user-agent", "hash", …). Addresses go through Lookup; hostname
// lists match domains, and the host of URLs and e-mail addresses; substring
// lists never match addresses.
func (l *List) LookupValue(value, typ string) []enrich.Observation {
	if typ == "ip" {
		if a, ok := indicator.NormalizeIP(value); ok {
			return l.Lookup(a, time.Time{})
		}
		return nil
	}
	if value == "" || len(value) > 64<<10 || !l.applies(typ) {
		return nil
	}
	switch l.typ {
	case "hostname":
		h, ok := normHost(hostOf(value, typ))
		if !ok {
			return nil
		}
		for s := h; ; {
			if _, ok := l.exact[s]; ok {
				return l.observe(value, "", s)
			}
			_, rest, found := strings.Cut(s, ".")
			if !found {
				return nil
			}
			s = rest
		}
	case "string":
		if _, ok := l.exact[value]; ok {
			return l.observe(value, "", value)
		}
	case "substring":
		if _, isAddr := indicator.NormalizeIP(value); isAddr {
			return nil
		}
		for _, s := range l.subs {
			if strings.Contains(value, s) {
				return l.observe(value, "", s)
			}
		}
	}
	return nil
}

// hostOf returns the host part of a URL or e-mail address, else value.
func hostOf(value, typ string) string {
	switch typ {
	case "url":
		if u, err := url.Parse(value); err == nil && u.Hostname() != "" {
			return u.Hostname()
		}
	case "email":
		if i := strings.LastIndexByte(value, '@'); i >= 0 {
			return value[i+1:]
		}
	}
	return value
}

func (l *List) observe(ind, network, matched string) []enrich.Observation {
	f := map[string]any{
		enrich.FieldList: l.title,
		"description":    l.description,
		"type":           l.typ,
		"version":        l.version,
		"matched":        matched,
	}
	if len(l.matching) > 0 {
		f["matching_attributes"] = slices.Clone(l.matching)
	}
	return []enrich.Observation{{
		Indicator:   ind,
		Source:      l.Name(),
		SourceType:  enrich.TypeWarninglist,
		Dataset:     l.digest,
		DatasetDate: l.date,
		Network:     network,
		Reliability: enrich.DefaultReliability(enrich.TypeWarninglist),
		Fields:      f,
	}}
}
