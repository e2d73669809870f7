package eventstore_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/sampledata"
)

// BenchmarkParseRun measures a whole parse run as casefile ingest does it
// after preservation: the parser, the event blocks and their digest, the
// indicator postings and the search index, into an in-memory store. With
// -cpuprofile it shows where the parse + index figure of scripts/bench goes.
func BenchmarkParseRun(b *testing.B) {
	raw, err := os.ReadFile(sampledata.Path(b, "loghub", "OpenSSH", "OpenSSH_2k.log"))
	if err != nil {
		b.Fatal(err)
	}
	data := string(bytes.Repeat(raw, 50)) // 100,000 lines, about 11 MB
	var events int64
	for b.Loop() {
		b.StopTimer()
		c, _ := newCase(b)
		d := ingest(b, c, data, "auth.log")
		b.StartTimer()
		run, _, err := eventstore.New(c).Parse(context.Background(), d, eventstore.ParseOptions{Format: "openssh", Year: 2026})
		if err != nil {
			b.Fatal(err)
		}
		events += run.Events
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
