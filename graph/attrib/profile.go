package attrib

import "github.com/casefile/casefile/enrich"

// Profile is where the recorded observations place an indicator: the
// autonomous system that announces it and its organisation, the owner
// WHOIS or ISP data names, and the country geolocation data gives. The
// sources table shows and filters on it; it is read here so that the field
// names datasets use stay in one place (facts.go).
type Profile struct {
	ASN     uint64 `json:"asn,omitempty"`
	ASOrg   string `json:"as_org,omitempty"`
	Org     string `json:"org,omitempty"`
	Country string `json:"country,omitempty"`
}

// ProfileOf reads the profile from an indicator's observations.
func ProfileOf(obs []enrich.Observation) Profile {
	var f obsFacts
	readObservations(obs, &f)
	return Profile{ASN: f.asn, ASOrg: f.asnOrg, Org: f.org, Country: f.country}
}
