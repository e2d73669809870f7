package evidence_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/badgerstore"
)

// benchCase opens a Badger-backed case in a temporary directory.
func benchCase(b *testing.B) *evidence.Case {
	b.Helper()
	st, err := badgerstore.Open(b.TempDir(), badgerstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	s, v := testKeys(b)
	c, err := evidence.Open(st, evidence.Config{Signer: s, Verifier: v})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	if _, err := c.Create(context.Background(), "bench", evidence.CaseInfo{Title: "bench"}); err != nil {
		b.Fatal(err)
	}
	return c
}

func custodyDraft(i int) evidence.Draft {
	return evidence.Draft{Kind: "evidence.viewed", Actor: "Ann Analyst <ann@example.org>",
		Payload: map[string]any{"artefact": "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "offset": i, "reason": "review of the login events"}}
}

// BenchmarkAppendBatch appends custody entries in batches of 1,000 (one
// durable commit per batch). Reports entries/s.
func BenchmarkAppendBatch(b *testing.B) {
	c := benchCase(b)
	ctx := context.Background()
	drafts := make([]evidence.Draft, 1000)
	for i := range drafts {
		drafts[i] = custodyDraft(i)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := c.Append(ctx, drafts...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(drafts))/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkAppendSynced commits and syncs every entry on its own.
func BenchmarkAppendSynced(b *testing.B) {
	c := benchCase(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		if _, err := c.Append(ctx, custodyDraft(i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkPlainFileBatch is the floor for BenchmarkAppendBatch: the same
// entries' bytes appended to a plain file with one fsync per batch.
func BenchmarkPlainFileBatch(b *testing.B) { plainFile(b, 1000) }

// BenchmarkPlainFileSynced is the floor for BenchmarkAppendSynced.
func BenchmarkPlainFileSynced(b *testing.B) { plainFile(b, 1) }

func plainFile(b *testing.B, batch int) {
	f, err := os.Create(filepath.Join(b.TempDir(), "log"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	line, _ := evidence.Canonical(custodyDraft(0).Payload)
	line = append(append(line, line[:len(line)/2]...), '\n') // about an entry's size
	b.ResetTimer()
	for range b.N {
		for range batch {
			f.Write(line)
		}
		f.Sync()
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkVerifyEntries verifies a log of 100,000 entries (no artefact
// content). Reports entries/s.
func BenchmarkVerifyEntries(b *testing.B) {
	c := benchCase(b)
	ctx := context.Background()
	drafts := make([]evidence.Draft, 4000)
	for i := range drafts {
		drafts[i] = custodyDraft(i)
	}
	for range 25 {
		if _, err := c.Append(ctx, drafts...); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		r, err := c.Verify(ctx, evidence.VerifyOptions{SkipContent: true})
		if err != nil || !r.OK {
			b.Fatalf("%v %+v", err, r.Problems)
		}
	}
	b.ReportMetric(float64(b.N)*100001/b.Elapsed().Seconds(), "entries/s")
}
