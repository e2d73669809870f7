package rdap

import (
	"net/url"

	"github.com/casefile/casefile/enrich"
)

// SourceName is the Observation source for the answering server:
// "rdap:rdap.db.ripe.net".
func (r *Response) SourceName() string {
	if u, err := url.Parse(r.URL); err == nil && u.Host != "" {
		return "rdap:" + u.Host
	}
	return "rdap:" + r.URL
}

// Observations returns what this answer says about the indicator, as one
// observation citing dataset ("sha256:<hex>" of the preserved Raw) and
// dated by the retrieval time; nil when nothing was read. Its fields name
// the abuse contact (abuse_email, abuse_handle, abuse_name, abuse_emails)
// beside the network (registry, handle, net_name, registrant, range,
// country, type, parent_handle).
func (r *Response) Observations(dataset string) []enrich.Observation {
	o := enrich.Observation{
		Indicator:   r.Indicator,
		Source:      r.SourceName(),
		SourceType:  enrich.TypeRDAP,
		Dataset:     dataset,
		DatasetDate: r.Retrieved,
		Reliability: enrich.DefaultReliability(enrich.TypeRDAP),
		Fields:      map[string]any{"url": r.URL},
	}
	set := func(k, v string) {
		if v != "" {
			o.Fields[k] = v
		}
	}
	switch n := r.Network; {
	case n != nil:
		o.Network = n.Prefix()
		set(enrich.FieldRegistry, n.Registry)
		set(enrich.FieldHandle, n.Handle)
		set(enrich.FieldNetName, n.Name)
		set(enrich.FieldRegistrant, n.Registrant)
		set("range", n.Range())
		set("country", n.Country)
		set(enrich.FieldType, n.Type)
		set(enrich.FieldParentHandle, n.Parent)
		set(enrich.FieldAbuseEmail, n.AbuseEmail)
		var all []string
		for _, c := range n.Abuse {
			all = append(all, c.Emails...)
			if len(c.Emails) > 0 && c.Emails[0] == n.AbuseEmail && o.Fields["abuse_handle"] == nil {
				set("abuse_handle", c.Handle)
				set("abuse_name", c.Name)
			}
		}
		if len(all) > 1 {
			o.Fields["abuse_emails"] = all
		}
		if n.AbuseEmail == "" {
			o.Fields["no_abuse_email"] = true
		}
	case r.NotFound:
		o.Fields[enrich.FieldNotFound] = true
	default:
		return nil
	}
	return []enrich.Observation{o}
}
