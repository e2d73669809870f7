package sigma

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/casefile/casefile/evidence/parse"
)

// BenchmarkGroupMemory measures what a run keeps in memory per source,
// the figure that bounds an assessment of a million sources (issue 18):
// the built-in rules over n OpenSSH "Failed password" lines from n/10
// addresses (scripts/bench's generator, parsed as ingest would), at one
// and two million events, the live heap read after a GC once every event
// is matched. bytes/source and bytes/group are the growth between the two
// sizes over the sources and groups added, so what does not grow with
// them (the rules, the records' buffer, full at its budget at both sizes,
// the spill file's buffers) drops out. Run with -benchtime=1x.
func BenchmarkGroupMemory(b *testing.B) {
	const n1, n2 = 1_000_000, 2_000_000
	var h1, h2 uint64
	var g1, g2 int
	for range b.N {
		h1, g1 = liveAfter(b, n1)
		h2, g2 = liveAfter(b, n2)
	}
	b.ReportMetric(float64(h2-h1)/float64((n2-n1)/10), "bytes/source")
	b.ReportMetric(float64(h2-h1)/float64(g2-g1), "bytes/group")
	b.ReportMetric(float64(g2)/float64(n2/10), "groups/source")
	b.ReportMetric(float64(h2)/(1<<20), "MiB@2M")
}

// liveAfter matches n synthetic events and returns the live heap and the
// run's groups.
func liveAfter(b *testing.B, n int) (uint64, int) {
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriter(pw)
		for i := range n {
			k := i % (n / 10)
			fmt.Fprintf(w, "Nov 20 %02d:%02d:%02d web01 sshd[%d]: Failed password for root from %d.%d.%d.%d port %d ssh2\n",
				i/3600%24, i/60%60, i%60, 1000+i%50000, 11+k/65536%200, k/256%256, k%256, 1+k%250, 1024+i%60000)
		}
		pw.CloseWithError(w.Flush())
	}()
	r := Builtin().Start()
	r.TempDir = b.TempDir()
	defer r.Close()
	s := matchSink{r: r}
	if _, err := parse.Run(pr, "openssh", parse.Options{Artefact: "sha256:bench", Name: "auth.log", Year: 2026}, &s); err != nil {
		b.Fatal(err)
	}
	if s.n != n {
		b.Fatalf("parsed %d events of %d lines", s.n, n)
	}
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc, len(r.groups)
}

// matchSink feeds each event parsed to a run.
type matchSink struct {
	r *Run
	n int
}

func (s *matchSink) Event(e parse.Event) error {
	s.n++
	s.r.Match(&e, func(*Rule) {})
	return nil
}
func (s *matchSink) Malformed(parse.Malformed) {}
