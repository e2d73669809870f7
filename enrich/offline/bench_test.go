package offline

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/geoip/geoiptest"
	"github.com/casefile/casefile/evidence/sampledata"
	"github.com/oschwald/maxminddb-golang/v2"
)

// randomAddrs returns n distinct random IPv4 addresses (fixed seed).
func randomAddrs(n int) []netip.Addr {
	r := rand.New(rand.NewPCG(42, 42))
	seen := make(map[uint32]bool, n)
	out := make([]netip.Addr, 0, n)
	for len(out) < n {
		v := r.Uint32()
		if seen[v] {
			continue
		}
		seen[v] = true
		out = append(out, netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}))
	}
	return out
}

// sampleFiles are the datasets of the combined benchmark: MaxMind's City,
// ASN and Anonymous-IP test databases, AWS ip-ranges and the Tor exit list.
func sampleFiles(b *testing.B) [][2]string {
	return [][2]string{
		{sampledata.Path(b, "maxmind-db", "test-data", "GeoIP2-City-Test.mmdb"), "GeoIP2-City-Test.mmdb"},
		{sampledata.Path(b, "maxmind-db", "test-data", "GeoLite2-ASN-Test.mmdb"), "GeoLite2-ASN-Test.mmdb"},
		{sampledata.Path(b, "maxmind-db", "test-data", "GeoIP2-Anonymous-IP-Test.mmdb"), "GeoIP2-Anonymous-IP-Test.mmdb"},
		{sampledata.Path(b, "aws-ip-ranges", "ip-ranges.json"), "ip-ranges.json"},
		{sampledata.Path(b, "tor-exit-list", "exit-addresses"), "exit-addresses"},
	}
}

func openAll(b *testing.B, files [][2]string) []enrich.Dataset {
	var out []enrich.Dataset
	for _, f := range files {
		data, err := os.ReadFile(f[0])
		if err != nil {
			b.Fatal(err)
		}
		ds, err := Open(data, digest, f[1], Options{})
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, ds)
	}
	return out
}

// denseMMDBs writes City, ASN and Anonymous-IP databases that cover every
// /16 of IPv4, so that every lookup hits and decodes a record.
func denseMMDBs(b *testing.B) []enrich.Dataset {
	var city []geoiptest.CityRecord
	var asn []geoiptest.ASNRecord
	var anon []geoiptest.AnonymousIPRecord
	for i := 1; i < 224*256; i++ {
		n := fmt.Sprintf("%d.%d.0.0/16", i>>8, i&255)
		city = append(city, geoiptest.CityRecord{Network: n, ContinentCode: "EU", CountryISO: "DE", CountryName: "Germany",
			CityName: fmt.Sprintf("City %d", i%5000), Subdivisions: []string{"BE"}, Latitude: 52.5, Longitude: 13.4,
			AccuracyRadius: 50, TimeZone: "Europe/Berlin"})
		asn = append(asn, geoiptest.ASNRecord{Network: n, Number: uint32(64512 + i%1000), Organization: fmt.Sprintf("Org %d", i%1000)})
		anon = append(anon, geoiptest.AnonymousIPRecord{Network: n, Anonymous: i%3 == 0, AnonymousVPN: i%3 == 0, HostingProvider: i%5 == 0})
	}
	var out []enrich.Dataset
	for _, w := range []func(*bytes.Buffer) error{
		func(buf *bytes.Buffer) error { return geoiptest.WriteCity(buf, city, 1767225600) },
		func(buf *bytes.Buffer) error { return geoiptest.WriteASN(buf, asn, 1767225600) },
		func(buf *bytes.Buffer) error { return geoiptest.WriteAnonymousIP(buf, anon, 1767225600) },
	} {
		var buf bytes.Buffer
		if err := w(&buf); err != nil {
			b.Fatal(err)
		}
		ds, err := Open(buf.Bytes(), digest, "dense", Options{})
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, ds)
	}
	return out
}

func runCombined(b *testing.B, dss []enrich.Dataset) {
	addrs := randomAddrs(100000)
	at := time.Date(2024, 3, 12, 12, 0, 0, 0, time.UTC)
	hits := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a := addrs[i%len(addrs)]
		for _, ds := range dss {
			hits += len(ds.Lookup(a, at))
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "indicators/s")
	b.ReportMetric(float64(hits)/float64(b.N), "obs/indicator")
}

// BenchmarkCombined: 100,000 distinct random IPv4 addresses against City +
// ASN + Anonymous-IP (MaxMind test databases) + AWS ranges + Tor exits.
func BenchmarkCombined(b *testing.B) {
	runCombined(b, openAll(b, sampleFiles(b)))
}

// BenchmarkCombinedDense: the same with mmdbs in which every address hits.
func BenchmarkCombinedDense(b *testing.B) {
	files := sampleFiles(b)[3:]
	runCombined(b, append(denseMMDBs(b), openAll(b, files)...))
}

// BenchmarkRawMaxMind is the floor: maxminddb lookups of the same addresses
// in the same three test databases, decoding only the country code, ASN and
// one flag.
func BenchmarkRawMaxMind(b *testing.B) {
	var rs []*maxminddb.Reader
	for _, f := range sampleFiles(b)[:3] {
		r, err := maxminddb.Open(f[0])
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		rs = append(rs, r)
	}
	addrs := randomAddrs(100000)
	var rec struct {
		Country struct {
			ISOCode string `maxminddb:"iso_code"`
		} `maxminddb:"country"`
		ASN  uint `maxminddb:"autonomous_system_number"`
		Anon bool `maxminddb:"is_anonymous"`
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a := addrs[i%len(addrs)]
		for _, r := range rs {
			res := r.Lookup(a)
			if res.Found() {
				if err := res.Decode(&rec); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "indicators/s")
}
