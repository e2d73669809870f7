package eventstore

import (
	"bytes"
	"os"
	"testing"

	"github.com/casefile/casefile/evidence/parse"
)

type collect struct{ evs []parse.Event }

func (c *collect) Event(e parse.Event) error { c.evs = append(c.evs, e); return nil }
func (c *collect) Malformed(parse.Malformed) {}

// BenchmarkIndexPart measures building the search index of OpenSSH events
// (the costliest format per byte in scripts/bench).
func BenchmarkIndexPart(b *testing.B) {
	raw, err := os.ReadFile("../../../shared/data/loghub/OpenSSH/OpenSSH_2k.log")
	if err != nil {
		b.Skip(err)
	}
	var c collect
	if _, err := parse.Run(bytes.NewReader(bytes.Repeat(raw, 33)), "openssh", parse.Options{Year: 2026}, &c); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		p := newPartBuilder()
		for i := range c.evs {
			p.add(&c.evs[i])
		}
		p.ops([8]byte{}, 0)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(c.evs)), "ns/event")
}
