// Package geoip reads MaxMind DB (mmdb) files — GeoIP2/GeoLite2 City,
// Country, ASN, ISP, Connection-Type, Anonymous-IP, Anonymous-Plus,
// Enterprise, Domain, and any custom database_type — and turns a lookup into
// an enrich.Observation citing the database artefact and its build_epoch.
//
// Guarantees:
//   - A database is verified when opened (search tree, data section and
//     metadata, with maxminddb's Verify): a truncated, corrupt or hostile file
//     is refused with an error, never a panic, and lookups in an accepted
//     file cannot walk out of it.
//   - A miss gives no observation and is not an error. A record that cannot
//     be decoded gives no observation and is counted (Errors).
//   - Fields use MaxMind's own field names, flattened to one level so that
//     the same key means the same thing in every database type:
//     country_iso_code, country_name (en), registered_country_iso_code,
//     represented_country_iso_code, continent_code, city_name (en),
//     subdivision_iso_codes, postal_code, latitude, longitude,
//     accuracy_radius, time_zone, metro_code, is_in_european_union,
//     is_anycast, autonomous_system_number, autonomous_system_organization,
//     isp, organization, mobile_country_code, mobile_network_code,
//     connection_type, domain, user_type, static_ip_score,
//     is_legitimate_proxy, city_confidence, country_confidence,
//     postal_confidence, subdivision_confidences, and the anonymiser flags.
//     Empty values are left out. Each record is decoded once and cached by
//     its offset; every observation gets its own Fields map, but slice
//     values in it (subdivision_iso_codes, flags) are shared: treat Fields
//     as read-only.
//   - Anonymous-IP (and Anonymous-Plus) observations always carry all six
//     flags (is_anonymous, is_anonymous_vpn, is_hosting_provider,
//     is_public_proxy, is_residential_proxy, is_tor_exit_node) as booleans,
//     plus "flags": the names of the true ones, in that order. A record with
//     no flag set (8.8.8.8 in MaxMind's test database) is a real observation
//     with "flags": [] — the database says "not anonymous" — not a miss.
//     For the other known types an empty record says nothing and gives no
//     observation.
//   - Custom database types are decoded generically: nested maps are
//     flattened with "." (country.iso_code), at most 4 levels and 256 keys.
//
// The geoip2 model types decode the known database types; only this package
// imports geoip2-golang.
//
//	db, err := geoip.Open(data, "sha256:…", "GeoLite2-ASN.mmdb")
//	obs := db.Lookup(netip.MustParseAddr("1.128.0.0"), time.Time{})
//	// obs[0].Fields["autonomous_system_number"] == int64(1221)
package geoip

import (
	"fmt"
	"maps"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/oschwald/maxminddb-golang/v2"
)

// kind is how records of a database type are decoded.
type kind int

const (
	kindGeneric kind = iota
	kindCity
	kindCountry
	kindEnterprise
	kindASN
	kindISP
	kindConnectionType
	kindDomain
	kindAnonymousIP
	kindAnonymousPlus
)

// kindOf classifies a database_type as geoip2-golang v2.5.0 does, plus the
// commercial GeoIP2-ASN name.
func kindOf(databaseType string) kind {
	switch databaseType {
	case "GeoIP2-Anonymous-IP":
		return kindAnonymousIP
	case "GeoIP-Anonymous-Plus":
		return kindAnonymousPlus
	case "GeoLite2-ASN", "GeoIP2-ASN", "DBIP-ASN-Lite (compat=GeoLite2-ASN)":
		return kindASN
	case "DBIP-City-Lite", "DBIP-Location (compat=City)", "GeoLite2-City",
		"GeoIP-City-Redacted-US", "GeoIP2-City", "GeoIP2-City-Africa",
		"GeoIP2-City-Asia-Pacific", "GeoIP2-City-Europe", "GeoIP2-City-North-America",
		"GeoIP2-City-South-America", "GeoIP2-Precision-City":
		return kindCity
	case "DBIP-Country-Lite", "DBIP-Country", "GeoLite2-Country", "GeoIP2-Country":
		return kindCountry
	case "GeoIP2-Connection-Type":
		return kindConnectionType
	case "GeoIP2-Domain":
		return kindDomain
	case "DBIP-ISP (compat=Enterprise)", "DBIP-Location-ISP (compat=Enterprise)",
		"GeoIP-Enterprise-Redacted-US", "GeoIP2-Enterprise":
		return kindEnterprise
	case "GeoIP2-ISP", "GeoIP2-Precision-ISP":
		return kindISP
	}
	return kindGeneric
}

// maxTypeLen bounds the database_type, which becomes the source name.
const maxTypeLen = 128

// DB is an opened mmdb dataset. It is immutable and safe for concurrent use.
type DB struct {
	r      *maxminddb.Reader
	kind   kind
	typ    string
	date   time.Time
	digest string
	name   string
	errs   atomic.Int64
	cache  sync.Map // uintptr offset → *decoded
	cached atomic.Int64
}

var _ enrich.Dataset = (*DB)(nil)

// Open verifies and opens the mmdb file in data. dataset is the artefact's
// "sha256:<hex>"; name is its original file name, used only in errors. data
// is used in place: the caller must not modify it while the DB is in use.
func Open(data []byte, dataset, name string) (*DB, error) {
	r, err := maxminddb.OpenBytes(data)
	if err != nil {
		return nil, fmt.Errorf("geoip: open %q: %w", name, err)
	}
	md := r.Metadata
	switch {
	case md.BinaryFormatMajorVersion != 2:
		return nil, fmt.Errorf("geoip: open %q: unsupported mmdb format version %d", name, md.BinaryFormatMajorVersion)
	case md.IPVersion != 4 && md.IPVersion != 6:
		return nil, fmt.Errorf("geoip: open %q: invalid ip_version %d", name, md.IPVersion)
	case md.DatabaseType == "" || len(md.DatabaseType) > maxTypeLen:
		return nil, fmt.Errorf("geoip: open %q: database_type missing or longer than %d bytes", name, maxTypeLen)
	case md.BuildEpoch > 1<<40:
		return nil, fmt.Errorf("geoip: open %q: build_epoch %d out of range", name, md.BuildEpoch)
	}
	if err := r.Verify(); err != nil {
		return nil, fmt.Errorf("geoip: open %q: database is corrupt: %w", name, err)
	}
	return &DB{
		r:      r,
		kind:   kindOf(md.DatabaseType),
		typ:    md.DatabaseType,
		date:   time.Unix(int64(md.BuildEpoch), 0).UTC(),
		digest: dataset,
		name:   name,
	}, nil
}

// Name returns the database_type ("GeoLite2-ASN"), the observations' Source.
func (db *DB) Name() string { return db.typ }

// Type returns enrich.TypeMMDB.
func (db *DB) Type() string { return enrich.TypeMMDB }

// Date returns the build_epoch.
func (db *DB) Date() time.Time { return db.date }

// Digest returns the dataset artefact's "sha256:<hex>".
func (db *DB) Digest() string { return db.digest }

// Errors reports how many lookups failed to decode a record.
func (db *DB) Errors() int64 { return db.errs.Load() }

// Lookup returns at most one observation: the record of the network that
// contains a. at is ignored (an mmdb has one date, its build_epoch).
func (db *DB) Lookup(a netip.Addr, at time.Time) []enrich.Observation {
	if !a.IsValid() {
		return nil
	}
	a = a.Unmap().WithZone("")
	if a.Is6() && db.r.Metadata.IPVersion == 4 {
		return nil
	}
	res := db.r.Lookup(a)
	if err := res.Err(); err != nil {
		db.errs.Add(1)
		return nil
	}
	if !res.Found() {
		return nil
	}
	rec, err := db.record(res)
	if err != nil {
		db.errs.Add(1)
		return nil
	}
	if rec.fields == nil {
		return nil
	}
	return []enrich.Observation{{
		Indicator:   a.String(),
		Source:      db.typ,
		SourceType:  enrich.TypeMMDB,
		Dataset:     db.digest,
		DatasetDate: db.date,
		ValidAt:     rec.validAt,
		Network:     res.Prefix().String(),
		Reliability: enrich.DefaultReliability(enrich.TypeMMDB),
		Fields:      maps.Clone(rec.fields),
	}}
}

// maxCached bounds the decoded-record cache (a GeoLite2-City has a few
// hundred thousand distinct records; addresses in one case cluster).
const maxCached = 1 << 16

// decoded is a record turned into Fields once, shared by every lookup that
// lands on it (by its data-section offset).
type decoded struct {
	fields  map[string]any
	validAt time.Time
}

func (db *DB) record(res maxminddb.Result) (*decoded, error) {
	off := res.Offset()
	if v, ok := db.cache.Load(off); ok {
		return v.(*decoded), nil
	}
	fields, validAt, err := db.decode(res)
	if err != nil {
		return nil, err
	}
	d := &decoded{fields, validAt}
	if db.cached.Load() < maxCached {
		if _, loaded := db.cache.LoadOrStore(off, d); !loaded {
			db.cached.Add(1)
		}
	}
	return d, nil
}
