package geoip

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

func randomAddrs(n int) []netip.Addr {
	r := rand.New(rand.NewPCG(42, 42))
	out := make([]netip.Addr, n)
	for i := range out {
		v := r.Uint32()
		out[i] = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	return out
}

func benchLookup(b *testing.B, db *DB) {
	addrs := randomAddrs(100000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db.Lookup(addrs[i%len(addrs)], time.Time{})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

// BenchmarkLookup runs random IPv4 addresses against MaxMind's test
// databases (mostly misses) and against a generated City database where
// every address hits (the decode cost).
func BenchmarkLookup(b *testing.B) {
	for _, f := range []string{"GeoIP2-City-Test.mmdb", "GeoLite2-ASN-Test.mmdb", "GeoIP2-Anonymous-IP-Test.mmdb"} {
		b.Run(f, func(b *testing.B) { benchLookup(b, openSample(b, f)) })
	}
	b.Run("hit-city", func(b *testing.B) {
		db, err := Open(fixture(b), testDigest, "city")
		if err != nil {
			b.Fatal(err)
		}
		addrs := []netip.Addr{netip.MustParseAddr("203.0.113.1"), netip.MustParseAddr("203.0.113.200")}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			db.Lookup(addrs[i&1], time.Time{})
		}
	})
}

func FuzzOpen(f *testing.F) {
	f.Add(fixture(f))
	f.Fuzz(func(t *testing.T, b []byte) {
		db, err := Open(bytes.Clone(b), testDigest, "fuzz")
		if err != nil {
			return
		}
		for _, a := range []string{"203.0.113.9", "2001:db8::1", "8.8.8.8"} {
			db.Lookup(netip.MustParseAddr(a), time.Time{})
		}
	})
}
