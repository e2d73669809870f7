package enrich

import (
	"net/netip"
	"time"
)

// Dataset is an offline dataset opened from the bytes of a preserved
// artefact: an mmdb database, a Tor exit list, a cloud provider's ranges
// (Apple's Private Relay egress list among them), a MISP warninglist or an
// Internet scan export. Implementations live in enrich/geoip, enrich/tor,
// enrich/cloud, enrich/warninglist and enrich/scan; enrich/offline opens any
// of them by sniffing the format.
//
// Contract: a Dataset is immutable once opened, and Lookup is safe for
// concurrent use. Lookup never fails: a miss, an address of the wrong family
// or a record the reader cannot decode gives no observation (readers count
// decode failures; see their Errors method).
type Dataset interface {
	// Name is the source name written into observations ("GeoLite2-ASN",
	// "tor-exit-addresses", "aws-ip-ranges", "misp:amazon-aws").
	Name() string
	// Type is one of the Type constants (TypeMMDB, TypeTorExits, …).
	Type() string
	// Date is the dataset's own date (build_epoch, createDate, the latest
	// ExitAddress time, the warninglist version, the latest scan), zero
	// when unknown.
	Date() time.Time
	// Digest is the "sha256:<hex>" of the dataset artefact, as given to Open.
	Digest() string
	// Lookup returns what the dataset says about a. at is the time of the
	// event the address was seen in; readers with per-record times (Tor)
	// use it to judge them, the others ignore it. The zero time means
	// "unknown". Observations carry Indicator = a.String() (unmapped, no zone).
	Lookup(a netip.Addr, at time.Time) []Observation
}

// ValueDataset is a Dataset that also matches indicators that are not
// addresses (MISP hostname, string and substring warninglists).
type ValueDataset interface {
	Dataset
	// LookupValue matches value, an indicator of type typ ("ip", "domain",
	// "url", "email", "user-agent", …; see enrich/indicator), against the
	// dataset. It is safe for concurrent use.
	LookupValue(value, typ string) []Observation
}
