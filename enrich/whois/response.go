package whois

import (
	"net"
	"time"

	"github.com/casefile/casefile/enrich"
)

// Response is one WHOIS answer and what was read from it.
type Response struct {
	Indicator string // the indicator looked up, normalised ("74.125.1.1", "www.google.com")
	Query     string // what was asked ("74.125.225.229", "google.com"); differs from Indicator when Cached
	Server    string // host:port that gave Raw
	// Raw is the answer exactly as received from Server, with no footer:
	// the evidence artefact. It is shared between cached copies: do not
	// modify it.
	Raw       []byte
	Retrieved time.Time // when Raw was received, UTC
	// Exchanges lists every connection of the lookup in order (the IANA
	// referral, the registry, a followed referral); Raw is one of them.
	Exchanges []Exchange
	IP        *IPRecord     // set for an address whose network was found
	Domain    *DomainRecord // set for a domain that exists
	NotFound  bool          // the server holds no record
	Cached    bool          // this lookup was answered from the client's cache

	err error // the parse error returned with this answer
}

// result returns a copy of r for the lookup q, with the error that goes
// with it.
func (r *Response) result(q query, cached bool) (*Response, error) {
	cp := *r
	cp.Indicator = q.indicator
	cp.Cached = cached
	return &cp, r.err
}

// SourceName is the Observation source for the answering server:
// "whois:whois.ripe.net" (the port is shown unless it is 43).
func (r *Response) SourceName() string {
	host, port, err := net.SplitHostPort(r.Server)
	if err != nil || port != "43" {
		return "whois:" + r.Server
	}
	return "whois:" + host
}

// Observations returns what this answer says about the indicator, as
// observations citing dataset ("sha256:<hex>" of the preserved Raw) and
// dated by the retrieval time. It returns nil when nothing was parsed.
func (r *Response) Observations(dataset string) []enrich.Observation {
	o := enrich.Observation{
		Indicator:   r.Indicator,
		Source:      r.SourceName(),
		SourceType:  enrich.TypeWHOIS,
		Dataset:     dataset,
		DatasetDate: r.Retrieved,
		Reliability: enrich.DefaultReliability(enrich.TypeWHOIS),
		Fields:      map[string]any{},
	}
	set := func(k, v string) {
		if v != "" {
			o.Fields[k] = v
		}
	}
	setTime := func(k string, t time.Time) {
		if !t.IsZero() {
			o.Fields[k] = t.UTC().Format(time.RFC3339)
		}
	}
	switch {
	case r.IP != nil:
		ip := r.IP
		o.Network = ip.Network()
		set(enrich.FieldRegistry, ip.Registry)
		set("range", ip.Range())
		set(enrich.FieldNetName, ip.NetName)
		set(enrich.FieldOrg, ip.Org)
		set("org_id", ip.OrgID)
		set("country", ip.Country)
		set(enrich.FieldAbuseEmail, ip.AbuseEmail)
		set("origin_as", ip.OriginAS)
		setTime(enrich.FieldCreated, ip.Created)
		setTime("updated", ip.Updated)
	case r.Domain != nil:
		d := r.Domain
		set("domain", d.Domain)
		set(enrich.FieldRegistrar, d.Registrar)
		set(enrich.FieldRegistrarAbuseEmail, d.AbuseEmail)
		setTime(enrich.FieldCreated, d.Created)
		setTime("expires", d.Expires)
		setTime("updated", d.Updated)
		if len(d.NameServers) > 0 {
			o.Fields["name_servers"] = append([]string(nil), d.NameServers...)
		}
		set(enrich.FieldRegistrantOrg, d.RegistrantOrg)
		set("registrant_country", d.RegistrantCountry)
		o.Fields[enrich.FieldPrivacy] = d.Privacy
	case r.NotFound:
		set("query", r.Query)
		o.Fields[enrich.FieldNotFound] = true
	default:
		return nil
	}
	return []enrich.Observation{o}
}
