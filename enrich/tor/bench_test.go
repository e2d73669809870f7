package tor

import (
	"net/netip"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/sampledata"
)

// BenchmarkLookup: every exit address of the real list, then as many misses.
func BenchmarkLookup(b *testing.B) {
	l := open(b, sampledata.Path(b, "tor-exit-list", "exit-addresses"), time.Time{})
	var addrs []netip.Addr
	for a := range l.exits {
		addrs = append(addrs, a, a.Next())
	}
	at := ts("2024-03-12 12:00:00")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.Lookup(addrs[i%len(addrs)], at)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}
