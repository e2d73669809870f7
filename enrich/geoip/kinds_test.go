package geoip

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich/geoip/geoiptest"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// Every database type's decoder on records written with geoiptest, so that
// each code path runs on a fresh clone without ../shared/data.
func TestEveryKind(t *testing.T) {
	type S = mmdbtype.String
	type M = mmdbtype.Map
	names := func(en string) M { return M{"en": S(en), "de": S(en + "-de")} }
	for _, c := range []struct {
		typ     string
		kind    kind
		data    M
		want    map[string]any
		validAt time.Time
	}{
		{"GeoIP2-Country", kindCountry, M{
			"continent": M{"code": S("EU")}, "country": M{"iso_code": S("CZ"), "names": names("Czechia"), "is_in_european_union": mmdbtype.Bool(true)},
			"registered_country": M{"iso_code": S("CZ")}, "represented_country": M{"iso_code": S("US"), "type": S("military")},
			"traits": M{"is_anycast": mmdbtype.Bool(true)},
		}, map[string]any{"continent_code": "EU", "country_iso_code": "CZ", "country_name": "Czechia", "is_in_european_union": true,
			"registered_country_iso_code": "CZ", "represented_country_iso_code": "US", "represented_country_type": "military", "is_anycast": true}, time.Time{}},
		{"GeoIP2-Enterprise", kindEnterprise, M{
			"city":         M{"names": names("Chatham"), "confidence": mmdbtype.Uint16(11)},
			"country":      M{"iso_code": S("US"), "confidence": mmdbtype.Uint16(99)},
			"postal":       M{"code": S("12037"), "confidence": mmdbtype.Uint16(5)},
			"subdivisions": mmdbtype.Slice{M{"iso_code": S("NY"), "confidence": mmdbtype.Uint16(93)}},
			"location":     M{"accuracy_radius": mmdbtype.Uint16(27), "latitude": mmdbtype.Float64(42.3), "longitude": mmdbtype.Float64(-73.5), "metro_code": mmdbtype.Uint16(532)},
			"traits": M{"autonomous_system_number": mmdbtype.Uint32(14671), "autonomous_system_organization": S("FairPoint"),
				"connection_type": S("Cable/DSL"), "domain": S("frpt.net"), "isp": S("Fairpoint"), "organization": S("Fairpoint"),
				"user_type": S("residential"), "static_ip_score": mmdbtype.Float64(1.5), "is_legitimate_proxy": mmdbtype.Bool(true),
				"mobile_country_code": S("310"), "mobile_network_code": S("004")},
		}, map[string]any{"city_name": "Chatham", "city_confidence": int64(11), "country_iso_code": "US", "country_confidence": int64(99),
			"postal_code": "12037", "postal_confidence": int64(5), "subdivision_iso_codes": []string{"NY"}, "subdivision_confidences": []int64{93},
			"accuracy_radius": int64(27), "latitude": 42.3, "longitude": -73.5, "metro_code": int64(532),
			"autonomous_system_number": int64(14671), "autonomous_system_organization": "FairPoint", "connection_type": "Cable/DSL",
			"domain": "frpt.net", "isp": "Fairpoint", "organization": "Fairpoint", "user_type": "residential", "static_ip_score": 1.5,
			"is_legitimate_proxy": true, "mobile_country_code": "310", "mobile_network_code": "004"}, time.Time{}},
		{"GeoIP2-ISP", kindISP, M{"autonomous_system_number": mmdbtype.Uint32(6167), "autonomous_system_organization": S("CELLCO-PART"),
			"isp": S("Verizon Wireless"), "organization": S("Verizon"), "mobile_country_code": S("310"), "mobile_network_code": S("004")},
			map[string]any{"autonomous_system_number": int64(6167), "autonomous_system_organization": "CELLCO-PART", "isp": "Verizon Wireless",
				"organization": "Verizon", "mobile_country_code": "310", "mobile_network_code": "004"}, time.Time{}},
		{"GeoIP2-Domain", kindDomain, M{"domain": S("example.net")}, map[string]any{"domain": "example.net"}, time.Time{}},
		{"GeoIP-Anonymous-Plus", kindAnonymousPlus, M{"is_anonymous": mmdbtype.Bool(true), "is_anonymous_vpn": mmdbtype.Bool(true),
			"anonymizer_confidence": mmdbtype.Uint16(30), "network_last_seen": S("2025-04-14"), "provider_name": S("foo")},
			map[string]any{"is_anonymous": true, "is_anonymous_vpn": true, "is_hosting_provider": false, "is_public_proxy": false,
				"is_residential_proxy": false, "is_tor_exit_node": false, "flags": []string{"is_anonymous", "is_anonymous_vpn"},
				"anonymizer_confidence": int64(30), "network_last_seen": "2025-04-14", "provider_name": "foo"},
			time.Date(2025, 4, 14, 0, 0, 0, 0, time.UTC)},
		{"Casefile-Custom", kindGeneric, M{"a": S("x"), "n": mmdbtype.Uint64(1 << 60), "deep": M{"b": M{"c": M{"d": M{"e": S("cut")}, "k": mmdbtype.Int32(-3)}}},
			"list": mmdbtype.Slice{S("p"), mmdbtype.Bool(false), M{"skipped": S("map in list")}}, "raw": mmdbtype.Bytes{0xde, 0xad}},
			map[string]any{"a": "x", "n": "1152921504606846976", "deep.b.c.k": int32(-3), "list": []any{"p", false}, "raw": "dead"}, time.Time{}},
	} {
		var buf bytes.Buffer
		if err := geoiptest.Write(&buf, c.typ, 1767225600, []geoiptest.Record{{Network: "192.0.2.0/24", Data: c.data}}); err != nil {
			t.Fatal(err)
		}
		db, err := Open(buf.Bytes(), testDigest, c.typ)
		if err != nil {
			t.Fatal(err)
		}
		if db.kind != c.kind {
			t.Errorf("%s: kind %v, want %v", c.typ, db.kind, c.kind)
		}
		o := one(t, db, "192.0.2.77")
		if !reflect.DeepEqual(o.Fields, c.want) {
			t.Errorf("%s fields\n got %#v\nwant %#v", c.typ, o.Fields, c.want)
		}
		if !o.ValidAt.Equal(c.validAt) || o.Network != "192.0.2.0/24" {
			t.Errorf("%s: valid_at %v network %s", c.typ, o.ValidAt, o.Network)
		}
		// Cached second lookup: equal, but a distinct map.
		o2 := one(t, db, "192.0.2.78")
		o2.Fields["mutated"] = true
		if _, ok := one(t, db, "192.0.2.79").Fields["mutated"]; ok {
			t.Errorf("%s: Fields map shared between observations", c.typ)
		}
	}
	// An empty record in a non-anonymity database says nothing.
	var buf bytes.Buffer
	if err := geoiptest.Write(&buf, "GeoLite2-ASN", 1, []geoiptest.Record{{Network: "192.0.2.0/24"}}); err != nil {
		t.Fatal(err)
	}
	db, err := Open(buf.Bytes(), testDigest, "empty")
	if err != nil {
		t.Fatal(err)
	}
	none(t, db, "192.0.2.1")
}
