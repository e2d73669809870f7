// Package cloud reads the address ranges cloud providers publish about
// themselves — AWS ip-ranges.json, Google Cloud cloud.json, Azure Service
// Tags (ServiceTags_Public_YYYYMMDD.json), Apple's iCloud Private Relay
// egress list (egress-ip-ranges.csv, see OpenAppleRelay) — and says which
// provider, service and region an address belongs to.
//
// An address in several published prefixes (AWS lists 52.80.0.0/16 under
// both AMAZON and EC2; Azure nests AzureCloud.eastus inside AzureCloud) gives
// one observation: Network is the most specific prefix, and Fields are
//
//	provider              "aws", "gcp", "azure" or "apple"
//	service               the most specific service, preferring a named one
//	                      (EC2, CLOUDFRONT, Storage.WestEurope) over the
//	                      catch-all (AMAZON, AzureCloud…) on the same prefix
//	services              every matching service (Azure: tag name), sorted
//	region                region of that record (GCP: its scope)
//	network_border_group  AWS only
//	scope                 GCP only
//	system_service        Azure only, when set
//	country, city         Apple only (region is the ISO 3166-2 code, and
//	postal_code           postal_code is set only when the line has one)
//	matches               every matching record, most specific first, each
//	                      {prefix, service, region, …}
//
// Dates: AWS createDate ("2026-08-22-15-17-05", UTC; syncToken, Unix
// seconds, when createDate is absent), GCP creationTime; Azure files carry
// none, so the date comes from a "_YYYYMMDD" in the artefact's name or else
// from the caller; Apple's list has none either, and its date is the caller's.
//
// Files are stream-parsed with encoding/json's Decoder, one prefix record at
// a time. Truncated or invalid JSON, numbers that do not fit, and a file
// with no prefix are refused with an error naming the byte offset; prefixes
// that do not parse (or have host bits set) are counted in Stats.Malformed,
// never fatal. Lookups use a sorted range table (O(log n), no linear scan)
// and are safe for concurrent use.
package cloud

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/internal/prefixtab"
)

// Providers.
const (
	AWS   = "aws"
	GCP   = "gcp"
	Azure = "azure"
	Apple = "apple" // iCloud Private Relay egress
)

// Source names written into observations.
var sourceNames = map[string]string{
	AWS:   "aws-ip-ranges",
	GCP:   "gcp-cloud",
	Azure: "azure-service-tags",
	Apple: "apple-private-relay-egress",
}

// Stats counts what was read.
type Stats struct {
	IPv4, IPv6 int            // accepted prefixes (records, not distinct prefixes)
	Malformed  int            // prefix records (Apple: lines) skipped
	Services   map[string]int // accepted IPv4+IPv6 records per service (Azure: per tag)
	// FirstMalformed is the line number of the first malformed line (Apple
	// only; the JSON readers' errors name byte offsets), 0 if none.
	FirstMalformed int
}

// record is one published prefix with what the provider says about it.
type record struct {
	prefix        netip.Prefix
	service       string
	region        string
	nbg           string // AWS network_border_group
	systemService string // Azure
	country, city string // Apple
	postal        string // Apple
}

// Ranges is an opened ranges file. It is immutable and safe for concurrent use.
type Ranges struct {
	provider string
	date     time.Time
	digest   string
	recs     []record
	tab      *prefixtab.Table
	stats    Stats
}

var _ enrich.Dataset = (*Ranges)(nil)

// Provider returns AWS, GCP, Azure or Apple.
func (r *Ranges) Provider() string { return r.provider }

// Name returns "aws-ip-ranges", "gcp-cloud", "azure-service-tags" or
// "apple-private-relay-egress".
func (r *Ranges) Name() string { return sourceNames[r.provider] }

// Type returns enrich.TypeCloudRanges.
func (r *Ranges) Type() string { return enrich.TypeCloudRanges }

// Date returns the file's own date (see the package comment).
func (r *Ranges) Date() time.Time { return r.date }

// Digest returns the dataset artefact's "sha256:<hex>".
func (r *Ranges) Digest() string { return r.digest }

// Stats reports what was read. The Services map must not be modified.
func (r *Ranges) Stats() Stats { return r.stats }

// generic reports whether a service is a provider's catch-all.
func generic(provider, service string) bool {
	switch provider {
	case AWS:
		return service == "AMAZON"
	case Azure:
		return service == "AzureCloud" || strings.HasPrefix(service, "AzureCloud.")
	}
	return false
}

// Lookup returns one observation when a is in a published prefix, else nil.
// at is ignored.
func (r *Ranges) Lookup(a netip.Addr, at time.Time) []enrich.Observation {
	if !a.IsValid() {
		return nil
	}
	a = a.Unmap().WithZone("")
	es := r.tab.Lookup(a)
	if len(es) == 0 {
		return nil
	}
	// es is least specific first; the best record is on the last prefix.
	last := es[len(es)-1].Prefix
	best := &r.recs[es[len(es)-1].Value]
	for i := len(es) - 1; i >= 0 && es[i].Prefix == last; i-- {
		if rec := &r.recs[es[i].Value]; generic(r.provider, best.service) && !generic(r.provider, rec.service) {
			best = rec
		}
	}
	services := make([]string, 0, len(es))
	matches := make([]any, 0, len(es))
	for i := len(es) - 1; i >= 0; i-- {
		rec := &r.recs[es[i].Value]
		services = append(services, rec.service)
		matches = append(matches, r.fields(rec, map[string]any{"prefix": rec.prefix.String()}))
	}
	slices.Sort(services)
	f := r.fields(best, map[string]any{
		enrich.FieldProvider: r.provider,
		enrich.FieldServices: slices.Compact(services),
		"matches":            matches,
	})
	return []enrich.Observation{{
		Indicator:   a.String(),
		Source:      r.Name(),
		SourceType:  enrich.TypeCloudRanges,
		Dataset:     r.digest,
		DatasetDate: r.date,
		Network:     last.String(),
		Reliability: enrich.DefaultReliability(enrich.TypeCloudRanges),
		Fields:      f,
	}}
}

func (r *Ranges) fields(rec *record, f map[string]any) map[string]any {
	f[enrich.FieldService] = rec.service
	if rec.region != "" {
		f[enrich.FieldRegion] = rec.region
	}
	switch r.provider {
	case AWS:
		if rec.nbg != "" {
			f["network_border_group"] = rec.nbg
		}
	case GCP:
		if rec.region != "" {
			f["scope"] = rec.region
		}
	case Azure:
		if rec.systemService != "" {
			f["system_service"] = rec.systemService
		}
	case Apple:
		f["country"] = rec.country
		if rec.city != "" {
			f["city"] = rec.city
		}
		if rec.postal != "" {
			f["postal_code"] = rec.postal
		}
	}
	return f
}
