// Package geoiptest writes real MaxMind DB files for tests and generated
// scenarios: City, ASN, Anonymous-IP and Connection-Type databases with the
// records the caller gives, laid out as MaxMind lays them out (the same keys
// and value types, flags present only when true), so that enrich/geoip and
// any other mmdb reader read them like the commercial files.
//
// Reserved networks (10/8, TEST-NET, 2001:db8::/32) are allowed, IPv4 is
// aliased into the IPv6 tree as MaxMind does, and the output depends only on
// the records and the build epoch, so a seeded generator gets the same bytes
// every run.
//
//	var buf bytes.Buffer
//	err := geoiptest.WriteASN(&buf, []geoiptest.ASNRecord{
//		{Network: "198.51.100.0/24", Number: 64500, Organization: "Example Hosting"},
//	}, 1770245369)
package geoiptest

import (
	"fmt"
	"io"
	"net"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// Record is one network and its raw data, for Write.
type Record struct {
	Network string // CIDR, "203.0.113.0/24" or "2001:db8::/32"
	Data    mmdbtype.Map
}

// Write writes an mmdb of any database_type with the given records, in order
// (a later record replaces an earlier one where they overlap).
func Write(w io.Writer, databaseType string, buildEpoch int64, recs []Record) error {
	t, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType:            databaseType,
		BuildEpoch:              buildEpoch,
		Description:             map[string]string{"en": "casefile test database " + databaseType},
		Languages:               []string{"en"},
		IncludeReservedNetworks: true,
		IPVersion:               6,
		RecordSize:              28,
	})
	if err != nil {
		return fmt.Errorf("geoiptest: %w", err)
	}
	for i, r := range recs {
		_, n, err := net.ParseCIDR(r.Network)
		if err != nil {
			return fmt.Errorf("geoiptest: record %d: %w", i, err)
		}
		data := r.Data
		if data == nil {
			data = mmdbtype.Map{}
		}
		if err := t.Insert(n, data); err != nil {
			return fmt.Errorf("geoiptest: record %d (%s): %w", i, r.Network, err)
		}
	}
	if _, err := t.WriteTo(w); err != nil {
		return fmt.Errorf("geoiptest: write: %w", err)
	}
	return nil
}

// CityRecord is a GeoIP2-City record. Empty fields are left out.
type CityRecord struct {
	Network              string
	ContinentCode        string // "EU"
	CountryISO           string // "GB"
	CountryName          string // English name
	RegisteredCountryISO string
	CityName             string   // English name
	Subdivisions         []string // ISO codes, largest first
	PostalCode           string
	Latitude, Longitude  float64 // written when either is non-zero
	AccuracyRadius       uint16  // km
	TimeZone             string
}

// WriteCity writes a "GeoIP2-City" database.
func WriteCity(w io.Writer, recs []CityRecord, buildEpoch int64) error {
	out := make([]Record, len(recs))
	for i, r := range recs {
		m := mmdbtype.Map{}
		if r.ContinentCode != "" {
			m["continent"] = mmdbtype.Map{"code": mmdbtype.String(r.ContinentCode)}
		}
		if c := country(r.CountryISO, r.CountryName); c != nil {
			m["country"] = c
		}
		if c := country(r.RegisteredCountryISO, ""); c != nil {
			m["registered_country"] = c
		}
		if r.CityName != "" {
			m["city"] = mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(r.CityName)}}
		}
		if len(r.Subdivisions) > 0 {
			subs := mmdbtype.Slice{}
			for _, s := range r.Subdivisions {
				subs = append(subs, mmdbtype.Map{"iso_code": mmdbtype.String(s)})
			}
			m["subdivisions"] = subs
		}
		if r.PostalCode != "" {
			m["postal"] = mmdbtype.Map{"code": mmdbtype.String(r.PostalCode)}
		}
		loc := mmdbtype.Map{}
		if r.Latitude != 0 || r.Longitude != 0 {
			loc["latitude"] = mmdbtype.Float64(r.Latitude)
			loc["longitude"] = mmdbtype.Float64(r.Longitude)
		}
		if r.AccuracyRadius != 0 {
			loc["accuracy_radius"] = mmdbtype.Uint16(r.AccuracyRadius)
		}
		if r.TimeZone != "" {
			loc["time_zone"] = mmdbtype.String(r.TimeZone)
		}
		if len(loc) > 0 {
			m["location"] = loc
		}
		out[i] = Record{Network: r.Network, Data: m}
	}
	return Write(w, "GeoIP2-City", buildEpoch, out)
}

func country(iso, name string) mmdbtype.Map {
	if iso == "" && name == "" {
		return nil
	}
	m := mmdbtype.Map{}
	if iso != "" {
		m["iso_code"] = mmdbtype.String(iso)
	}
	if name != "" {
		m["names"] = mmdbtype.Map{"en": mmdbtype.String(name)}
	}
	return m
}

// ASNRecord is a GeoLite2-ASN record.
type ASNRecord struct {
	Network      string
	Number       uint32
	Organization string
}

// WriteASN writes a "GeoLite2-ASN" database.
func WriteASN(w io.Writer, recs []ASNRecord, buildEpoch int64) error {
	out := make([]Record, len(recs))
	for i, r := range recs {
		m := mmdbtype.Map{}
		if r.Number != 0 {
			m["autonomous_system_number"] = mmdbtype.Uint32(r.Number)
		}
		if r.Organization != "" {
			m["autonomous_system_organization"] = mmdbtype.String(r.Organization)
		}
		out[i] = Record{Network: r.Network, Data: m}
	}
	return Write(w, "GeoLite2-ASN", buildEpoch, out)
}

// AnonymousIPRecord is a GeoIP2-Anonymous-IP record. A record with no flag
// set is written as an empty map, as MaxMind does (8.8.8.8 in its test data).
type AnonymousIPRecord struct {
	Network          string
	Anonymous        bool // is_anonymous
	AnonymousVPN     bool // is_anonymous_vpn
	HostingProvider  bool // is_hosting_provider
	PublicProxy      bool // is_public_proxy
	ResidentialProxy bool // is_residential_proxy
	TorExitNode      bool // is_tor_exit_node
}

// WriteAnonymousIP writes a "GeoIP2-Anonymous-IP" database.
func WriteAnonymousIP(w io.Writer, recs []AnonymousIPRecord, buildEpoch int64) error {
	out := make([]Record, len(recs))
	for i, r := range recs {
		m := mmdbtype.Map{}
		for _, f := range []struct {
			k string
			v bool
		}{
			{"is_anonymous", r.Anonymous}, {"is_anonymous_vpn", r.AnonymousVPN},
			{"is_hosting_provider", r.HostingProvider}, {"is_public_proxy", r.PublicProxy},
			{"is_residential_proxy", r.ResidentialProxy}, {"is_tor_exit_node", r.TorExitNode},
		} {
			if f.v {
				m[mmdbtype.String(f.k)] = mmdbtype.Bool(true)
			}
		}
		out[i] = Record{Network: r.Network, Data: m}
	}
	return Write(w, "GeoIP2-Anonymous-IP", buildEpoch, out)
}

// ConnectionTypeRecord is a GeoIP2-Connection-Type record.
type ConnectionTypeRecord struct {
	Network        string
	ConnectionType string // "Cable/DSL", "Cellular", "Corporate", "Satellite"
}

// WriteConnectionType writes a "GeoIP2-Connection-Type" database.
func WriteConnectionType(w io.Writer, recs []ConnectionTypeRecord, buildEpoch int64) error {
	out := make([]Record, len(recs))
	for i, r := range recs {
		out[i] = Record{Network: r.Network, Data: mmdbtype.Map{"connection_type": mmdbtype.String(r.ConnectionType)}}
	}
	return Write(w, "GeoIP2-Connection-Type", buildEpoch, out)
}
