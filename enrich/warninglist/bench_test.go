package warninglist

import (
	"math/rand/v2"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/sampledata"
)

// BenchmarkLookup: random IPv4 addresses against public-dns-v4 (62,745
// entries) and amazon-aws.
func BenchmarkLookup(b *testing.B) {
	for _, id := range []string{"public-dns-v4", "amazon-aws"} {
		b.Run(id, func(b *testing.B) {
			l := open(b, filepath.Join(sampledata.Path(b, "misp-warninglists", "lists"), id, "list.json"))
			rnd := rand.New(rand.NewPCG(42, 42))
			addrs := make([]netip.Addr, 100000)
			for i := range addrs {
				v := rnd.Uint32()
				addrs[i] = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				l.Lookup(addrs[i%len(addrs)], time.Time{})
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
		})
	}
}
