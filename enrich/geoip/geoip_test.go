package geoip

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/geoip/geoiptest"
	"github.com/casefile/casefile/evidence/sampledata"
)

const testDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"

func openSample(t testing.TB, file string) *DB {
	t.Helper()
	data, err := os.ReadFile(sampledata.Path(t, "maxmind-db", "test-data", file))
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(data, testDigest, file)
	if err != nil {
		t.Fatalf("Open(%s): %v", file, err)
	}
	return db
}

// one looks up addr and requires exactly one observation.
func one(t *testing.T, db *DB, addr string) enrich.Observation {
	t.Helper()
	obs := db.Lookup(netip.MustParseAddr(addr), time.Time{})
	if len(obs) != 1 {
		t.Fatalf("%s in %s: %d observations, want 1", addr, db.Name(), len(obs))
	}
	o := obs[0]
	if o.Source != db.Name() || o.SourceType != enrich.TypeMMDB || o.Dataset != testDigest ||
		o.Reliability != "B" || !o.DatasetDate.Equal(db.Date()) {
		t.Fatalf("%s: bad observation header %+v", addr, o)
	}
	return o
}

func want(t *testing.T, o enrich.Observation, network string, fields map[string]any) {
	t.Helper()
	if o.Network != network {
		t.Errorf("%s: network %s, want %s", o.Indicator, o.Network, network)
	}
	for k, v := range fields {
		if got := o.Fields[k]; !reflect.DeepEqual(got, v) {
			t.Errorf("%s: %s = %#v, want %#v", o.Indicator, k, got, v)
		}
	}
}

func none(t *testing.T, db *DB, addr string) {
	t.Helper()
	if obs := db.Lookup(netip.MustParseAddr(addr), time.Time{}); len(obs) != 0 {
		t.Fatalf("%s in %s: %v, want nothing", addr, db.Name(), obs)
	}
}

// The lookups listed in ../shared/data/INDEX.md, "MaxMind lookups we checked".
func TestMaxMindSamples(t *testing.T) {
	city := openSample(t, "GeoIP2-City-Test.mmdb")
	if city.Name() != "GeoIP2-City" || city.Type() != "mmdb" || city.Digest() != testDigest ||
		city.Date() != time.Unix(1770245369, 0).UTC() {
		t.Fatalf("metadata: %s %s %s %v", city.Name(), city.Type(), city.Digest(), city.Date())
	}
	o := one(t, city, "81.2.69.142")
	want(t, o, "81.2.69.142/31", map[string]any{"city_name": "London", "country_iso_code": "GB",
		"subdivision_iso_codes": []string{"ENG"}, "registered_country_iso_code": "US",
		"latitude": 51.5142, "longitude": -0.0931, "time_zone": "Europe/London", "continent_code": "EU",
		"accuracy_radius": int64(10)})
	want(t, one(t, city, "2.125.160.216"), "2.125.160.216/29", map[string]any{"city_name": "Boxford",
		"country_iso_code": "GB", "subdivision_iso_codes": []string{"ENG", "WBK"}})
	want(t, one(t, city, "89.160.20.112"), "89.160.20.112/28", map[string]any{"city_name": "Linköping", "country_iso_code": "SE"})
	want(t, one(t, city, "216.160.83.56"), "216.160.83.56/29", map[string]any{"city_name": "Milton",
		"country_iso_code": "US", "subdivision_iso_codes": []string{"WA"}})
	want(t, one(t, city, "175.16.199.0"), "175.16.199.0/24", map[string]any{"city_name": "Changchun", "country_iso_code": "CN"})
	o = one(t, city, "2001:218::1")
	want(t, o, "2001:218::/32", map[string]any{"country_iso_code": "JP"})
	if _, ok := o.Fields["city_name"]; ok {
		t.Errorf("2001:218::1 has a city: %v", o.Fields)
	}
	want(t, one(t, city, "67.43.156.0"), "67.43.156.0/24", map[string]any{"country_iso_code": "BT", "registered_country_iso_code": "RO"})
	none(t, city, "1.1.1.1")
	none(t, city, "10.0.0.1")

	country := openSample(t, "GeoIP2-Country-Test.mmdb")
	want(t, one(t, country, "74.209.24.0"), "74.209.16.0/20", map[string]any{"country_iso_code": "US"})
	want(t, one(t, country, "2a02:d280::1"), "2a02:d280::/29", map[string]any{"country_iso_code": "CZ", "is_in_european_union": true})
	none(t, country, "8.8.8.8")

	asn := openSample(t, "GeoLite2-ASN-Test.mmdb")
	want(t, one(t, asn, "1.128.0.0"), "1.128.0.0/11", map[string]any{"autonomous_system_number": int64(1221),
		"autonomous_system_organization": "Telstra Pty Ltd"})
	want(t, one(t, asn, "89.160.20.112"), "89.160.0.0/17", map[string]any{"autonomous_system_number": int64(29518),
		"autonomous_system_organization": "Bredband2 AB"})
	want(t, one(t, asn, "2600:6000::1"), "2600:6000::/20", map[string]any{"autonomous_system_number": int64(237),
		"autonomous_system_organization": "Merit Network Inc."})
	none(t, asn, "81.2.69.142")
	none(t, asn, "8.8.8.8")

	anon := openSample(t, "GeoIP2-Anonymous-IP-Test.mmdb")
	o = one(t, anon, "81.2.69.1")
	want(t, o, "81.2.69.0/24", map[string]any{"is_anonymous": true, "is_anonymous_vpn": true, "is_hosting_provider": true,
		"is_public_proxy": true, "is_residential_proxy": true, "is_tor_exit_node": true,
		"flags": []string{"is_anonymous", "is_anonymous_vpn", "is_hosting_provider", "is_public_proxy", "is_residential_proxy", "is_tor_exit_node"}})
	want(t, one(t, anon, "1.2.0.0"), "1.2.0.0/16", map[string]any{"is_anonymous": true, "is_anonymous_vpn": true,
		"is_public_proxy": false, "flags": []string{"is_anonymous", "is_anonymous_vpn"}})
	want(t, one(t, anon, "186.30.236.0"), "186.30.236.0/24", map[string]any{"is_public_proxy": true, "is_anonymous_vpn": false})
	want(t, one(t, anon, "71.160.223.5"), "71.160.223.0/24", map[string]any{"is_hosting_provider": true})
	want(t, one(t, anon, "abcd:1000::1"), "abcd:1000::/112", map[string]any{"is_public_proxy": true, "flags": []string{"is_anonymous", "is_public_proxy"}})
	// 8.8.8.8 is found with an empty record: a real "no flags" observation.
	want(t, one(t, anon, "8.8.8.8"), "8.0.0.0/7", map[string]any{"flags": []string{}, "is_anonymous": false,
		"is_anonymous_vpn": false, "is_hosting_provider": false, "is_public_proxy": false,
		"is_residential_proxy": false, "is_tor_exit_node": false})

	isp := openSample(t, "GeoIP2-ISP-Test.mmdb")
	want(t, one(t, isp, "149.101.100.0"), "149.101.100.0/28", map[string]any{"autonomous_system_number": int64(6167),
		"autonomous_system_organization": "CELLCO-PART", "isp": "Verizon Wireless",
		"mobile_country_code": "310", "mobile_network_code": "004"})
	o = one(t, isp, "81.2.69.160")
	want(t, o, "81.2.69.160/29", map[string]any{"isp": "Andrews & Arnold Ltd"})
	if _, ok := o.Fields["autonomous_system_number"]; ok {
		t.Errorf("81.2.69.160 has an ASN: %v", o.Fields)
	}
	o = one(t, isp, "71.128.0.1")
	want(t, o, o.Network, map[string]any{"autonomous_system_number": int64(7018)})
	if org, _ := o.Fields["autonomous_system_organization"].(string); !strings.Contains(org, "AT&T") {
		t.Errorf("71.128.0.1 organisation %q", org)
	}

	ct := openSample(t, "GeoIP2-Connection-Type-Test.mmdb")
	for addr, typ := range map[string]string{"1.0.0.0": "Cable/DSL", "1.0.1.0": "Cellular", "80.214.0.0": "Cellular",
		"96.1.0.0": "Cable/DSL", "108.96.0.0": "Cellular", "207.179.48.0": "Cellular"} {
		want(t, one(t, ct, addr), one(t, ct, addr).Network, map[string]any{"connection_type": typ})
	}
	want(t, one(t, ct, "1.0.0.0"), "1.0.0.0/24", nil)
	want(t, one(t, ct, "80.214.0.0"), "80.214.0.0/20", nil)

	ent := openSample(t, "GeoIP2-Enterprise-Test.mmdb")
	if ent.Date() != time.Unix(1780077382, 0).UTC() {
		t.Errorf("Enterprise build_epoch %v", ent.Date())
	}
	want(t, one(t, ent, "74.209.24.0"), "74.209.16.0/20", map[string]any{"city_name": "Chatham", "country_iso_code": "US",
		"city_confidence": int64(11), "country_confidence": int64(99)})
	o = one(t, ent, "81.2.69.160")
	want(t, o, o.Network, map[string]any{"city_name": "London", "city_confidence": int64(42)})
	if _, ok := o.Fields["user_type"]; !ok {
		t.Errorf("81.2.69.160 in Enterprise has no user_type: %v", o.Fields)
	}

	dom := openSample(t, "GeoIP2-Domain-Test.mmdb")
	if o := one(t, dom, "1.2.0.0"); o.Fields["domain"] == nil {
		t.Errorf("Domain 1.2.0.0: %v", o.Fields)
	}
}

func TestMetadataOfAllSamples(t *testing.T) {
	for _, f := range []string{"GeoIP2-City-Test", "GeoIP2-Country-Test", "GeoLite2-ASN-Test", "GeoIP2-Anonymous-IP-Test",
		"GeoIP2-ISP-Test", "GeoIP2-Connection-Type-Test", "GeoIP2-Domain-Test", "GeoLite2-City-Test", "GeoLite2-Country-Test"} {
		db := openSample(t, f+".mmdb")
		if db.Name() != strings.TrimSuffix(f, "-Test") || db.Date() != time.Unix(1770245369, 0).UTC() {
			t.Errorf("%s: database_type %q, build %v", f, db.Name(), db.Date())
		}
	}
}

// Custom database types are decoded generically (maxminddb, not geoip2).
func TestGenericSample(t *testing.T) {
	db := openSample(t, "MaxMind-DB-test-decoder.mmdb")
	if db.kind != kindGeneric {
		t.Fatalf("decoder test db classified as %v", db.kind)
	}
	o := one(t, db, "1.1.1.1")
	want(t, o, o.Network, map[string]any{"utf8_string": "unicode! ☯ - ♫", "boolean": true, "map.mapX.utf8_stringX": "hello"})
	if db.Errors() != 0 {
		t.Errorf("%d decode errors", db.Errors())
	}
}

func TestBrokenSamples(t *testing.T) {
	for _, f := range []string{"MaxMind-DB-test-broken-pointers-24.mmdb", "MaxMind-DB-test-broken-search-tree-24.mmdb",
		"GeoIP2-City-Test-Invalid-Node-Count.mmdb"} {
		data, err := os.ReadFile(sampledata.Path(t, "maxmind-db", "test-data", f))
		if err != nil {
			t.Fatal(err)
		}
		db, err := Open(data, testDigest, f)
		if err == nil {
			t.Errorf("%s opened (%s)", f, db.Name())
			continue
		}
		if !strings.HasPrefix(err.Error(), "geoip: open \""+f) {
			t.Errorf("%s: error without context: %v", f, err)
		}
	}
}

// Truncations and bit flips of a good file: a clean error or a working
// database, never a panic.
func TestCorruptions(t *testing.T) {
	good := fixture(t)
	r := rand.New(rand.NewPCG(7, 7))
	cuts := []int{0, 1, 16, len(good) / 2, len(good) - 1}
	for range 200 {
		cuts = append(cuts, r.IntN(len(good)))
	}
	for _, n := range cuts {
		if db, err := Open(bytes.Clone(good[:n]), testDigest, "cut"); err == nil {
			db.Lookup(netip.MustParseAddr("203.0.113.9"), time.Time{})
		}
	}
	for range 500 {
		b := bytes.Clone(good)
		for range 1 + r.IntN(4) {
			b[r.IntN(len(b))] ^= byte(1 + r.IntN(255))
		}
		if db, err := Open(b, testDigest, "flipped"); err == nil {
			for _, a := range []string{"203.0.113.9", "198.51.100.1", "2001:db8::1", "8.8.8.8"} {
				db.Lookup(netip.MustParseAddr(a), time.Time{})
			}
		}
	}
}

// fixture is a City database written by geoiptest, also committed under
// testdata so that this package's tests run on a fresh clone.
func fixture(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	err := geoiptest.WriteCity(&buf, []geoiptest.CityRecord{
		{Network: "203.0.113.0/24", ContinentCode: "EU", CountryISO: "DE", CountryName: "Germany",
			RegisteredCountryISO: "NL", CityName: "Berlin", Subdivisions: []string{"BE"}, PostalCode: "10115",
			Latitude: 52.52, Longitude: 13.405, AccuracyRadius: 20, TimeZone: "Europe/Berlin"},
		{Network: "198.51.100.0/25", CountryISO: "US"},
		{Network: "2001:db8::/48", CountryISO: "JP"},
	}, 1767225600)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWrittenFixtures(t *testing.T) {
	db, err := Open(fixture(t), testDigest, "city")
	if err != nil {
		t.Fatal(err)
	}
	if db.Name() != "GeoIP2-City" || db.Date() != time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) {
		t.Fatalf("%s %v", db.Name(), db.Date())
	}
	o := one(t, db, "203.0.113.9")
	want(t, o, "203.0.113.0/24", map[string]any{"continent_code": "EU", "country_iso_code": "DE", "country_name": "Germany",
		"registered_country_iso_code": "NL", "city_name": "Berlin", "subdivision_iso_codes": []string{"BE"},
		"postal_code": "10115", "latitude": 52.52, "longitude": 13.405, "accuracy_radius": int64(20), "time_zone": "Europe/Berlin"})
	if len(o.Fields) != 11 {
		t.Errorf("fields %v", o.Fields)
	}
	want(t, one(t, db, "::ffff:198.51.100.7"), "198.51.100.0/25", map[string]any{"country_iso_code": "US"})
	if o := one(t, db, "2001:db8::1%eth0"); o.Indicator != "2001:db8::1" {
		t.Errorf("indicator %q", o.Indicator)
	}
	none(t, db, "198.51.100.200")
	none(t, db, "8.8.8.8")

	var asn, anon, ct bytes.Buffer
	if err := geoiptest.WriteASN(&asn, []geoiptest.ASNRecord{{Network: "198.51.100.0/24", Number: 64500, Organization: "Example Hosting"}}, 1767225600); err != nil {
		t.Fatal(err)
	}
	if err := geoiptest.WriteAnonymousIP(&anon, []geoiptest.AnonymousIPRecord{
		{Network: "198.51.100.0/24", AnonymousVPN: true, Anonymous: true},
		{Network: "192.0.2.0/24"},
	}, 1767225600); err != nil {
		t.Fatal(err)
	}
	if err := geoiptest.WriteConnectionType(&ct, []geoiptest.ConnectionTypeRecord{{Network: "10.0.0.0/8", ConnectionType: "Cellular"}}, 1767225600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		data   []byte
		addr   string
		fields map[string]any
	}{
		{asn.Bytes(), "198.51.100.1", map[string]any{"autonomous_system_number": int64(64500), "autonomous_system_organization": "Example Hosting"}},
		{anon.Bytes(), "198.51.100.1", map[string]any{"flags": []string{"is_anonymous", "is_anonymous_vpn"}, "is_tor_exit_node": false}},
		{anon.Bytes(), "192.0.2.1", map[string]any{"flags": []string{}}},
		{ct.Bytes(), "10.1.2.3", map[string]any{"connection_type": "Cellular"}},
	} {
		db, err := Open(c.data, testDigest, "fixture")
		if err != nil {
			t.Fatal(err)
		}
		o := one(t, db, c.addr)
		want(t, o, o.Network, c.fields)
	}
	// Same records, same bytes: a seeded scenario generator is reproducible.
	if !bytes.Equal(fixture(t), fixture(t)) {
		t.Error("geoiptest output is not deterministic")
	}
	if err := geoiptest.WriteASN(&asn, []geoiptest.ASNRecord{{Network: "not-a-cidr"}}, 1); err == nil {
		t.Error("bad CIDR accepted")
	}
}

func TestOpenRejects(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":   nil,
		"text":    []byte("ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\n"),
		"marker":  []byte("\xab\xcd\xefMaxMind.com"),
		"garbage": bytes.Repeat([]byte{0xff}, 4096),
	} {
		if _, err := Open(data, testDigest, name); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}

func TestLookupIPv6InIPv4OnlyDB(t *testing.T) {
	data, err := os.ReadFile(sampledata.Path(t, "maxmind-db", "test-data", "MaxMind-DB-test-ipv4-24.mmdb"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(data, testDigest, "ipv4")
	if err != nil {
		t.Fatal(err)
	}
	none(t, db, "2001:db8::1")
	if obs := db.Lookup(netip.MustParseAddr("1.1.1.1"), time.Time{}); len(obs) != 1 {
		t.Fatalf("1.1.1.1: %v", obs)
	}
	if db.Errors() != 0 {
		t.Errorf("%d decode errors", db.Errors())
	}
}
