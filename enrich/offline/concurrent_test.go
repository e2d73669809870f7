package offline

import (
	"bytes"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/geoip/geoiptest"
)

// Lookups from many goroutines at once (run with -race): every reader is
// immutable after Open except the mmdb record cache.
func TestConcurrentLookup(t *testing.T) {
	var city bytes.Buffer
	var recs []geoiptest.CityRecord
	for i := range 128 {
		recs = append(recs, geoiptest.CityRecord{Network: netip.PrefixFrom(netip.AddrFrom4([4]byte{52, byte(i), 0, 0}), 16).String(), CountryISO: "US"})
	}
	if err := geoiptest.WriteCity(&city, recs, 1767225600); err != nil {
		t.Fatal(err)
	}
	var dss []enrich.Dataset
	for _, in := range []struct {
		name string
		data []byte
	}{
		{"city.mmdb", city.Bytes()},
		{"exit-addresses", read(t, "../tor/testdata/exit-addresses")},
		{"ip-ranges.json", read(t, "../cloud/testdata/ip-ranges.json")},
		{"cidr.json", read(t, "../warninglist/testdata/cidr.json")},
		{"egress-ip-ranges.csv", read(t, "../cloud/testdata/egress-ip-ranges.csv")},
		{"shodan.jsonl", read(t, "../scan/testdata/shodan.jsonl")},
	} {
		ds, err := Open(in.data, digest, in.name, Options{})
		if err != nil {
			t.Fatal(err)
		}
		dss = append(dss, ds)
	}
	addrs := []netip.Addr{netip.MustParseAddr("52.80.34.196"), netip.MustParseAddr("185.241.208.232"),
		netip.MustParseAddr("1.2.3.4"), netip.MustParseAddr("52.1.2.3"), netip.MustParseAddr("8.8.8.8"),
		netip.MustParseAddr("172.224.226.1"), netip.MustParseAddr("192.0.2.7")}
	want := make([]int, len(addrs))
	for i, a := range addrs {
		for _, ds := range dss {
			want[i] += len(ds.Lookup(a, time.Time{}))
		}
	}
	if want[0] != 2 || want[1] != 1 || want[2] != 1 || want[3] != 1 || want[4] != 0 || want[5] != 1 || want[6] != 1 {
		t.Fatalf("observation counts %v", want)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				k := (i + g) % len(addrs)
				n := 0
				for _, ds := range dss {
					for _, o := range ds.Lookup(addrs[k], time.Time{}) {
						o.Fields["touched"] = g // each observation owns its Fields map
						n++
					}
				}
				if n != want[k] {
					t.Errorf("%v: %d observations, want %d", addrs[k], n, want[k])
					return
				}
			}
		})
	}
	wg.Wait()
}
