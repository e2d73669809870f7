package cloud

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/sampledata"
)

// BenchmarkLookup: random IPv4 addresses against the real AWS ranges.
func BenchmarkLookup(b *testing.B) {
	r := open(b, sampledata.Path(b, "aws-ip-ranges", "ip-ranges.json"))
	rnd := rand.New(rand.NewPCG(42, 42))
	addrs := make([]netip.Addr, 100000)
	for i := range addrs {
		v := rnd.Uint32()
		addrs[i] = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Lookup(addrs[i%len(addrs)], time.Time{})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}
