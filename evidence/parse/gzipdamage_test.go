package parse_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence/parse"
)

// TestDamagedGzipKeepsWhatWasRead: a truncated or zero-padded .gz log
// keeps the events of the lines read and reports the damage as malformed.
func TestDamagedGzipKeepsWhatWasRead(t *testing.T) {
	var text bytes.Buffer
	for i := range 2000 {
		fmt.Fprintf(&text, "Nov 20 09:%02d:%02d web01 sshd[%d]: Failed password for root from 185.220.101.%d port 55335 ssh2\n", i/60%60, i%60, 1000+i, i%250)
	}
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestSpeed)
	zw.Write(text.Bytes())
	zw.Close()
	whole := z.Bytes()

	for _, c := range []struct {
		name     string
		data     []byte
		min, max int
	}{
		{"truncated", whole[:len(whole)/2], 100, 1999},
		{"zero-padded", append(bytes.Clone(whole), make([]byte, 4096)...), 2000, 2000},
		{"cut before the checksum", whole[:len(whole)-4], 1999, 2000},
	} {
		t.Run(c.name, func(t *testing.T) {
			c2 := &collect{}
			res, err := parse.Run(bytes.NewReader(c.data), "auto", parse.Options{Year: 2026}, c2)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if !res.Gzip || res.Parser != "openssh" {
				t.Fatalf("result %+v", res)
			}
			if n := len(c2.events); n < c.min || n > c.max {
				t.Fatalf("%d events, want %d to %d", n, c.min, c.max)
			}
			if len(c2.mal) == 0 || res.Stats.Malformed != int64(len(c2.mal)) {
				t.Fatalf("malformed %v, stats %+v", c2.mal, res.Stats)
			}
			last := c2.mal[len(c2.mal)-1]
			if !strings.Contains(last.Reason, "gzip: the compressed stream is damaged") || last.Offset <= 0 {
				t.Fatalf("damage report %+v", last)
			}
		})
	}
	// An intact stream reports nothing.
	c2 := &collect{}
	res, err := parse.Run(bytes.NewReader(whole), "auto", parse.Options{Year: 2026}, c2)
	if err != nil || len(c2.events) != 2000 || len(c2.mal) != 0 || res.Stats.Malformed != 0 {
		t.Fatalf("intact: %v, %d events, %v", err, len(c2.events), c2.mal)
	}
}
