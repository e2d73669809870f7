package evidence_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/memstore"
)

// TestArtefactIndex: one artefact received twice under two names, and a
// forged entry recording another size, which is kept and reported.
func TestArtefactIndex(t *testing.T) {
	ctx := context.Background()
	c, err := memstore.NewCase(ctx, "T", "T")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a.log", "b.log", "a.log"} {
		if _, err := c.Ingest(ctx, strings.NewReader("x\n"), evidence.ArtefactMeta{Name: n, Vantage: map[bool]string{true: "behind CDN"}[n == "b.log"]}, evidence.IngestOptions{Actor: "T"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Ingest(ctx, strings.NewReader("y\n"), evidence.ArtefactMeta{Name: "c.log"}, evidence.IngestOptions{Actor: "T"}); err != nil {
		t.Fatal(err)
	}
	x := evidence.NewArtefactIndex()
	for e, err := range c.Walk(0, 0) {
		if err != nil {
			t.Fatal(err)
		}
		if err := x.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if x.Len() != 2 {
		t.Fatalf("%d artefacts", x.Len())
	}
	a := x.All()[0]
	if a.Number != 1 || x.All()[1].Number != 2 || len(a.Ingests) != 3 || a.First().Entry != 1 || a.Size() != 2 {
		t.Fatalf("first artefact: %+v", a)
	}
	if got := strings.Join(a.Names(), ","); got != "a.log,b.log" || a.Vantage() != "behind CDN" {
		t.Fatalf("names %q vantage %q", got, a.Vantage())
	}
	if x.Get(a.Digest) != a {
		t.Fatal("Get")
	}
	e, _ := c.Entry(1)
	p := evidence.IngestPayload{Artefact: a.Digest.String(), SHA256: a.Digest.Hex(), Size: 99, Name: "forged"}
	forged, err := c.Append(ctx, evidence.Draft{Kind: evidence.KindArtefactIngested, Actor: "T", Payload: p})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Add(forged[0]); !errors.Is(err, evidence.ErrArtefactSize) || len(a.Ingests) != 4 || a.Size() != 2 {
		t.Fatalf("another size: %v, %d ingests, size %d", err, len(a.Ingests), a.Size())
	}
	p.SHA256 = strings.Repeat("0", 64)
	bad, _ := c.Append(ctx, evidence.Draft{Kind: evidence.KindArtefactIngested, Actor: "T", Payload: p})
	if err := x.Add(bad[0]); !errors.Is(err, evidence.ErrArtefactPayload) {
		t.Fatalf("two digests: %v", err)
	}
	if d, ok := evidence.EntryArtefact(e); !ok || d != a.Digest {
		t.Fatal("EntryArtefact")
	}
}
