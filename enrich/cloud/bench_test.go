package cloud

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/sampledata"
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

// BenchmarkOpenAppleRelay: a synthetic egress list the size of Apple's
// (about 280,000 lines, mostly IPv6).
func BenchmarkOpenAppleRelay(b *testing.B) {
	var buf bytes.Buffer
	for i := range 280000 {
		if i%4 == 0 {
			fmt.Fprintf(&buf, "172.%d.%d.%d/27,GB,GB-EN,London,\n", 224+i>>16&7, i>>8&255, i&7*32)
		} else {
			fmt.Fprintf(&buf, "2a02:26f7:%x:%x::/64,US,US-CA,Los Angeles,\n", i>>16, i&0xffff)
		}
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := OpenAppleRelay(bytes.NewReader(data), digest, "egress-ip-ranges.csv", time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
}
