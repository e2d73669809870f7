package observe_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"

	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/badgerstore"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/sampledata"

	"crypto/rand"

	"golang.org/x/mod/sumdb/note"
)

// BenchmarkRecordEndToEnd enriches 100,000 distinct addresses against the
// City, ASN and Anonymous-IP test databases, the AWS ranges and the Tor
// list, recording every observation in a Badger-backed case.
func BenchmarkRecordEndToEnd(b *testing.B) {
	d := sampledata.Dir()
	if d == "" {
		b.Skip("needs ../shared/data")
	}
	var sets []observe.DatasetFile
	for _, p := range []string{"maxmind-db/test-data/GeoIP2-City-Test.mmdb", "maxmind-db/test-data/GeoLite2-ASN-Test.mmdb",
		"maxmind-db/test-data/GeoIP2-Anonymous-IP-Test.mmdb", "aws-ip-ranges/ip-ranges.json", "tor-exit-list/exit-addresses"} {
		sets = append(sets, observe.DatasetFile{Path: filepath.Join(d, p)})
	}
	const n = 100000
	var log strings.Builder
	for i := range n {
		fmt.Fprintf(&log, "Nov 20 09:%02d:%02d web01 sshd[1]: Failed password for root from %d.%d.%d.%d port 22 ssh2\n",
			i/60%60, i%60, 1+i>>16%220, i>>8&255, i&255, 1+i%250)
	}
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		c := badgerCase(b)
		res, _ := c.Ingest(ctx, strings.NewReader(log.String()), evidence.ArtefactMeta{Name: "auth.log"}, evidence.IngestOptions{})
		if _, _, err := eventstore.New(c).Parse(ctx, res.Digest, eventstore.ParseOptions{Year: 2026}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err := observe.Run(ctx, c, observe.Options{Datasets: sets})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if rep.Indicators < n {
			b.Fatalf("%d indicators", rep.Indicators)
		}
		c.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "indicators/s")
}

// BenchmarkRecord records 100,000 observations of one source (what the
// Anonymous-IP database says of 100,000 addresses): the recording part of
// the end-to-end figure on its own.
func BenchmarkRecord(b *testing.B) {
	const n = 100000
	ctx := context.Background()
	date := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for range b.N {
		b.StopTimer()
		c := badgerCase(b)
		const ds = "sha256:6a3c1f0e9b1d4e0f8c2b7a5d3e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f"
		byInd := make(map[string][]enrich.Observation, n)
		for i := range n {
			ip := fmt.Sprintf("%d.%d.%d.%d", 1+i>>16%220, i>>8&255, i&255, 1+i%250)
			byInd[ip] = []enrich.Observation{{Dataset: ds, DatasetDate: date, Indicator: ip, Network: "1.0.0.0/7",
				Source: "GeoIP2-Anonymous-IP", SourceType: enrich.TypeMMDB, Fields: map[string]any{"anonymous_flags": []string{}}}}
		}
		rec := observe.NewRecorder(c, "bench", nil)
		b.StartTimer()
		got, err := rec.Record(ctx, observe.Source{Dataset: ds, Name: "GeoIP2-Anonymous-IP", Type: enrich.TypeMMDB, Date: date}, byInd)
		if err != nil || got != n {
			b.Fatal(got, err)
		}
		b.StopTimer()
		c.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "observations/s")
}

// badgerCase is a new case on Badger in a temporary directory.
func badgerCase(b *testing.B) *evidence.Case {
	b.Helper()
	st, err := badgerstore.Open(b.TempDir(), badgerstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	skey, vkey, _ := note.GenerateKey(rand.Reader, "casefile.invalid/case/b")
	s, _ := note.NewSigner(skey)
	v, _ := note.NewVerifier(vkey)
	c, err := evidence.Open(st, evidence.Config{Signer: s, Verifier: v})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.Create(context.Background(), "B", evidence.CaseInfo{}); err != nil {
		b.Fatal(err)
	}
	return c
}
