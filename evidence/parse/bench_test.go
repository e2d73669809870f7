package parse_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/evidence/sampledata"
)

type discard struct{ n int }

func (d *discard) Event(parse.Event) error   { d.n++; return nil }
func (d *discard) Malformed(parse.Malformed) {}

func benchParse(b *testing.B, format string, path ...string) {
	data, err := os.ReadFile(sampledata.Path(b, path...))
	if err != nil {
		b.Fatal(err)
	}
	// Repeat the sample to about 8 MB so that per-parse setup does not count.
	data = bytes.Repeat(data, 8<<20/len(data)+1)
	p, _ := parse.ByName(format)
	opts := parse.Options{Year: 2026}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := p.Parse(bytes.NewReader(data), opts, &discard{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenSSH(b *testing.B) {
	benchParse(b, "openssh", "loghub", "OpenSSH", "OpenSSH_2k.log")
}

func BenchmarkApacheAccess(b *testing.B) {
	benchParse(b, "apache-access", "elastic-examples-apache-access", "apache_logs")
}
