package attrib

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/graph/sigma"
)

// BenchmarkSourceMemory measures what the event pass keeps per source,
// the figure that bounds an assessment of a million sources (issue 18):
// n failed SSH logins from n/10 addresses (as scripts/bench generates
// them) folded into the per-source aggregates, without rules (graph/sigma
// measures its own), the live heap read after a GC at one and two million
// events. bytes/source is the growth between the two sizes over the
// sources added, so what does not grow with them drops out. Run with
// -benchtime=1x.
func BenchmarkSourceMemory(b *testing.B) {
	const n1, n2 = 1_000_000, 2_000_000
	var h1, h2 uint64
	for range b.N {
		h1 = liveAggregates(b, n1)
		h2 = liveAggregates(b, n2)
	}
	b.ReportMetric(float64(h2-h1)/float64((n2-n1)/10), "bytes/source")
	b.ReportMetric(float64(h2)/(1<<20), "MiB@2M")
}

// liveAggregates folds n events into an aggregator and returns the live heap.
func liveAggregates(b *testing.B, n int) uint64 {
	r, err := DefaultModel().resolve()
	if err != nil {
		b.Fatal(err)
	}
	none, err := sigma.New("none", nil)
	if err != nil {
		b.Fatal(err)
	}
	in := Input{}
	a := newAggregator(r, &in, none)
	defer a.run.Close()
	s := n / 10
	for i := range n {
		k := i % s
		e := parse.Event{Time: t0.Add(time.Duration(i) * time.Second), Kind: parse.KindAuth, Action: "password", Outcome: parse.OutcomeFailure,
			Src: fmt.Sprintf("%d.%d.%d.%d", 11+k/65536%200, k/256%256, k%256, 1+k%250), SrcPort: 1024 + i%60000, Dst: "10.0.0.5", DstPort: 22, User: "root",
			Citation: parse.Citation{Artefact: artSSH, Line: int64(i + 1), Parser: "openssh/1"}}
		a.add(&e)
	}
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	runtime.KeepAlive(a)
	return m.HeapAlloc
}
