package whois

import (
	"errors"
	"fmt"
	"strings"
	"time"

	whoisparser "github.com/likexian/whois-parser"
)

// DomainRecord is what a registry or registrar said about a domain.
type DomainRecord struct {
	Domain      string
	Registrar   string
	Created     time.Time // UTC; zero when absent or unreadable
	Expires     time.Time
	Updated     time.Time
	NameServers []string // lower case, without trailing dot
	Status      []string
	// RegistrantOrg, RegistrantName and RegistrantCountry are as published;
	// often empty or redacted since GDPR.
	RegistrantOrg     string
	RegistrantName    string
	RegistrantCountry string
	// Privacy is true when the registrant is hidden: redacted, withheld, or
	// a privacy or proxy service.
	Privacy bool
	// AbuseEmail is the registrar's abuse contact, the "Registrar Abuse
	// Contact Email" line ICANN's Registrar Accreditation Agreement (2013,
	// section 3.18) makes registrars publish for generic TLDs: where a
	// report about the domain goes. Empty when the answer has no such line
	// (many country-code registries).
	AbuseEmail string
}

// ParseDomain parses a domain WHOIS response (registry or registrar, any
// TLD whois-parser knows). An answer saying the domain does not exist gives
// an error wrapping ErrNotFound; one that cannot be read as a domain record
// gives ErrMalformed. Responses over 4 MiB are refused.
func ParseDomain(raw []byte) (rec *DomainRecord, err error) {
	if len(raw) > maxParse {
		return nil, fmt.Errorf("whois: domain response of %d bytes exceeds %d: %w", len(raw), maxParse, ErrMalformed)
	}
	defer func() {
		// whois-parser is third-party code reading hostile text: a panic
		// there must not take the case down.
		if p := recover(); p != nil {
			rec, err = nil, fmt.Errorf("whois: domain parser failed: %v: %w", p, ErrMalformed)
		}
	}()
	text := strings.ReplaceAll(string(raw), "\r\n", "\n")
	info, err := whoisparser.Parse(text)
	switch {
	case errors.Is(err, whoisparser.ErrNotFoundDomain):
		return nil, fmt.Errorf("whois: domain: %w", ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("whois: %v: %w", err, ErrMalformed)
	case info.Domain == nil:
		return nil, fmt.Errorf("whois: no domain in response: %w", ErrMalformed)
	}
	d := info.Domain
	r := &DomainRecord{Domain: d.Domain, Status: d.Status}
	if r.Domain == "" && d.Name != "" {
		r.Domain = strings.ToLower(d.Name + "." + d.Extension)
	}
	if info.Registrar != nil {
		r.Registrar = info.Registrar.Name
		if r.Registrar == "" {
			r.Registrar = info.Registrar.Organization
		}
	}
	r.Created = domainDate(d.CreatedDate, d.CreatedDateInTime)
	r.Expires = domainDate(d.ExpirationDate, d.ExpirationDateInTime)
	r.Updated = domainDate(d.UpdatedDate, d.UpdatedDateInTime)
	for _, ns := range d.NameServers {
		ns = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(ns)), ".")
		if ns != "" {
			r.NameServers = append(r.NameServers, ns)
		}
	}
	if c := info.Registrant; c != nil {
		r.RegistrantOrg, r.RegistrantName, r.RegistrantCountry = c.Organization, c.Name, strings.ToUpper(c.Country)
		r.Privacy = isPrivacy(c.Organization) || isPrivacy(c.Name) || isPrivacy(c.Email)
		if isPrivacy(r.RegistrantCountry) {
			r.RegistrantCountry = ""
		}
	}
	r.AbuseEmail = registrarAbuseEmail(text)
	return r, nil
}

// registrarAbuseEmail reads the "Registrar Abuse Contact Email:" line
// itself: whois-parser folds it into the registrar's e-mail, which other
// answers fill with a general address.
func registrarAbuseEmail(text string) string {
	for line := range strings.SplitSeq(text, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "Registrar Abuse Contact Email") {
			continue
		}
		v = strings.ToLower(strings.TrimSpace(v))
		if at := strings.LastIndexByte(v, '@'); at > 0 && at < len(v)-1 && !strings.ContainsAny(v, " \t<>,;\"") {
			return v
		}
	}
	return ""
}

// domainDate prefers the parser's reading and falls back to the layouts it
// misses (2019-09-09T08:39:04-0700, 2001-06-14-T10:32:43Z, 2023/04/01
// 01:05:57 (JST)).
func domainDate(s string, parsed *time.Time) time.Time {
	if parsed != nil {
		return parsed.UTC()
	}
	s = strings.TrimSpace(s)
	zone := time.UTC
	if i := strings.Index(s, " ("); i > 0 {
		// "(JST)": only zones that name one offset are believed.
		switch s[i:] {
		case " (JST)", " (KST)":
			zone = time.FixedZone(s[i+2:len(s)-1], 9*3600)
		}
		s = s[:i]
	}
	for _, layout := range []string{
		"2006-01-02T15:04:05-0700", "2006-01-02T15:04:05.999999999-0700",
		"2006-01-02-T15:04:05Z", "2006/01/02 15:04:05", "2006/01/02", "02-Jan-2006",
		time.RFC3339, "2006-01-02", "2006-01-02 15:04:05",
	} {
		if t, err := time.ParseInLocation(layout, s, zone); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// isPrivacy reports whether a registrant field is a redaction or a privacy
// service rather than a holder.
func isPrivacy(s string) bool {
	s = strings.ToLower(s)
	if s == "" {
		return false
	}
	for _, k := range []string{
		"redacted", "privacy", "not disclosed", "withheld", "data protected",
		"whoisguard", "whois guard", "domains by proxy", "proxy", "gdpr",
		"statutory masking", "identity protect", "contact protect", "private registration",
		"registration private", "anonymi",
	} {
		if strings.Contains(s, k) {
			return true
		}
	}
	return false
}
