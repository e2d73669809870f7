// Package enrich looks up infrastructure indicators in offline datasets
// (MaxMind mmdb, Tor exit lists, cloud provider ranges, MISP warninglists,
// Internet scan exports) and, only when asked, in WHOIS and RDAP, and
// records what each named, dated source said.
//
// Every observation cites the dataset it came from by the SHA-256 of the
// dataset artefact preserved in the case, and carries the dataset's own date
// (mmdb build_epoch, ip-ranges createDate, the Tor list's ExitAddress time,
// the WHOIS or RDAP retrieval time), so that the attribution model can
// judge how stale it was at the time of the event. Nothing here touches the
// network except the WHOIS and RDAP clients, and only when the caller asks
// for it.
package enrich

import "time"

// Source types.
const (
	TypeMMDB        = "mmdb"
	TypeTorExits    = "tor-exits"
	TypeCloudRanges = "cloud-ranges"
	TypeWarninglist = "warninglist"
	TypeWHOIS       = "whois"
	TypeRDAP        = "rdap"    // a registry's RDAP answer: the network and its abuse contact
	TypeScan        = "scan"    // Internet scan results (Shodan banners, scan exports)
	TypeBuiltin     = "builtin" // special-purpose ranges, known without a dataset
)

// Observation is what one named, dated source said about one indicator.
//
// The fields are declared in the alphabetical order of their JSON names, so
// that encoding/json writes an observation in canonical key order and
// recording a batch of them needs no re-encoding.
type Observation struct {
	Dataset     string         `json:"dataset"` // "sha256:<hex>" of the preserved dataset (or raw WHOIS or RDAP response) artefact; "" for builtin
	DatasetDate time.Time      `json:"dataset_date"`
	Fields      map[string]any `json:"fields,omitempty"` // what the source said, with its own field names
	Indicator   string         `json:"indicator"`
	Network     string         `json:"network,omitempty"` // matched prefix or record, e.g. "183.0.0.0/10"
	Reliability string         `json:"reliability"`       // Admiralty source reliability A–F
	Source      string         `json:"source"`            // e.g. "GeoLite2-ASN", "tor-exit-addresses", "aws-ip-ranges", "misp:amazon-aws", "whois:whois.ripe.net"
	SourceType  string         `json:"source_type"`       // one of the Type constants
	// ValidAt is the time the observation speaks of when it is narrower than
	// the dataset date (a Tor ExitAddress line's own timestamp); zero otherwise.
	ValidAt time.Time `json:"valid_at,omitzero"`
}

// DefaultReliability is the Admiralty rating given to each source type unless
// the user configures another.
func DefaultReliability(sourceType string) string {
	switch sourceType {
	case TypeBuiltin:
		return "A"
	case TypeCloudRanges:
		return "A" // published by the provider about its own ranges
	case TypeTorExits:
		return "A" // published by the Tor Project from its own measurements
	case TypeMMDB:
		return "B"
	case TypeWarninglist:
		return "B"
	case TypeScan:
		return "B" // the scanner's own measurement, at its own time
	case TypeWHOIS, TypeRDAP:
		return "C" // self-declared by the registrant
	default:
		return "F"
	}
}
