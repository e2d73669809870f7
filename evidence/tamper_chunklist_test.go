package evidence_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	mathrand "math/rand/v2"
	"slices"
	"testing"

	"github.com/casefile/casefile/evidence"
)

// chunkListFixture ingests 3.5 MiB of distinct chunks: the artefact is
// proven through the chunk list its entry commits to (record_sha256).
func chunkListFixture(t *testing.T, bk backendKind) (*evidence.Case, tamperable, *evidence.IngestResult, []byte) {
	t.Helper()
	c, b := newCase(t, bk)
	content := make([]byte, evidence.ChunkSize*7/2)
	mathrand.NewChaCha8([32]byte{7}).Read(content)
	res, err := c.Ingest(context.Background(), bytes.NewReader(content), evidence.ArtefactMeta{Name: "disk.img"}, evidence.IngestOptions{Actor: "T", LegacyHashes: true})
	if err != nil {
		t.Fatal(err)
	}
	r := mustVerify(t, c)
	if !r.OK || r.ByChunkList != 1 || r.Bytes != int64(len(content)) {
		t.Fatalf("fresh case: ok %v, %d artefacts by chunk list, %d bytes: %+v", r.OK, r.ByChunkList, r.Bytes, r.Problems)
	}
	return c, b, res, content
}

func chunkOf(content []byte, i int) []byte {
	return content[i*evidence.ChunkSize : min(len(content), (i+1)*evidence.ChunkSize)]
}

func TestIngestRecordsTheRecordHash(t *testing.T) {
	c, b, res, _ := chunkListFixture(t, backends[0])
	raw, err := b.Get(digestKey("a/", res.Digest))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	var p evidence.IngestPayload
	if err := res.Entry.DecodePayload(&p); err != nil {
		t.Fatal(err)
	}
	if p.RecordSHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("record_sha256 %q, the stored record hashes to %x", p.RecordSHA256, sum)
	}
	// Ingesting the same bytes again names the same record.
	content := make([]byte, evidence.ChunkSize*7/2)
	mathrand.NewChaCha8([32]byte{7}).Read(content)
	again, err := c.Ingest(context.Background(), bytes.NewReader(content), evidence.ArtefactMeta{Name: "copy.img"}, evidence.IngestOptions{Actor: "T"})
	if err != nil {
		t.Fatal(err)
	}
	var p2 evidence.IngestPayload
	if err := again.Entry.DecodePayload(&p2); err != nil {
		t.Fatal(err)
	}
	if !p2.Duplicate || p2.RecordSHA256 != p.RecordSHA256 {
		t.Fatalf("duplicate ingest: duplicate %v, record_sha256 %q, want %q", p2.Duplicate, p2.RecordSHA256, p.RecordSHA256)
	}
}

func TestTamperChunkSwappedForAnotherValidChunk(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b, res, content := chunkListFixture(t, bk)
		sum2 := sha256.Sum256(chunkOf(content, 2))
		if err := b.CorruptChunk(sum2, chunkOf(content, 0)); err != nil {
			t.Fatal(err)
		}
		r := mustVerify(t, reopen(t, c, b))
		wantFirst(t, r, evidence.ProblemChunk, "chunk "+evidence.Digest(sum2).String(), "chunk 2 of "+res.Digest.String())
		p := r.First()
		if p.Artefact == nil || *p.Artefact != res.Digest || p.Offset == nil || *p.Offset != 2*evidence.ChunkSize || !errors.Is(p, evidence.ErrContentMismatch) {
			t.Fatalf("problem does not locate the damage: %+v", *p)
		}
	})
}

// An attacker who rewrites the record to a chunk list of valid chunks
// (here: the list of another artefact of the same size, in the store) is
// caught by record_sha256, the whole-content hash not being recomputed.
func TestTamperRecordChanged(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b, res, content := chunkListFixture(t, bk)
		rec, _ := swappedRecord(t, c, b, content)
		b.Corrupt(digestKey("a/", res.Digest), rec)
		r := mustVerify(t, reopen(t, c, b))
		wantFirst(t, r, evidence.ProblemArtefact, "artefact "+res.Digest.String(), "entry 1 recorded")
		if !errors.Is(r.First(), evidence.ErrContentMismatch) {
			t.Fatalf("not classed as a content mismatch: %+v", r.First())
		}
		// --full-hash finds it too, by the same record check.
		r, err := reopen(t, c, b).Verify(context.Background(), evidence.VerifyOptions{FullHash: true})
		if err != nil {
			t.Fatal(err)
		}
		wantFirst(t, r, evidence.ProblemArtefact, "artefact "+res.Digest.String(), "the record was changed")
	})
}

func TestTamperChunkListPageDropped(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b, res, content := chunkListFixture(t, bk)
		var page []byte
		for i := range 4 {
			s := sha256.Sum256(chunkOf(content, i))
			page = append(page, s[:]...)
		}
		ps := sha256.Sum256(page)
		b.Delete(digestKey("c/", evidence.Digest(ps)))
		r := mustVerify(t, reopen(t, c, b))
		wantFirst(t, r, evidence.ProblemChunk, "chunk "+evidence.Digest(ps).String(), "chunk list of "+res.Digest.String())
	})
}

func TestVerifyFullHashRecomputesTheDigests(t *testing.T) {
	c, _, _, content := chunkListFixture(t, backends[0])
	r, err := c.Verify(context.Background(), evidence.VerifyOptions{FullHash: true})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.ByChunkList != 0 || r.Bytes != int64(len(content)) {
		t.Fatalf("full hash: ok %v, %d by chunk list, %d bytes: %+v", r.OK, r.ByChunkList, r.Bytes, r.Problems)
	}
}

// Artefacts ingested before record_sha256 are proven by their whole
// content: a consistent rewrite of their record to other valid chunks is
// found by the content's SHA-256.
func TestTamperRecordOfArtefactWithoutRecordHash(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b := newCase(t, bk)
		content := make([]byte, evidence.ChunkSize*7/2)
		mathrand.NewChaCha8([32]byte{7}).Read(content)
		d, err := c.IngestWithoutRecordHash(context.Background(), bytes.NewReader(content), "old.img")
		if err != nil {
			t.Fatal(err)
		}
		if r := mustVerify(t, c); !r.OK || r.ByChunkList != 0 || r.Bytes != int64(len(content)) {
			t.Fatalf("old artefact: ok %v, %d by chunk list, %d bytes: %+v", r.OK, r.ByChunkList, r.Bytes, r.Problems)
		}
		rec, other := swappedRecord(t, c, b, content)
		b.Corrupt(digestKey("a/", d), rec)
		r := mustVerify(t, reopen(t, c, b))
		wantFirst(t, r, evidence.ProblemArtefact, "artefact "+d.String(), "content hashes to "+other.String())
	})
}

// swappedRecord ingests an artefact of content's size made of content's own
// chunks in another order (chunks 0, 1, 0, 3) and returns its stored record
// (a chunk list of valid chunks for an attacker to put in place of
// content's) and its digest.
func swappedRecord(t *testing.T, c *evidence.Case, b tamperable, content []byte) ([]byte, evidence.Digest) {
	t.Helper()
	swapped := slices.Concat(chunkOf(content, 0), chunkOf(content, 1), chunkOf(content, 0), chunkOf(content, 3))
	other, err := c.Ingest(context.Background(), bytes.NewReader(swapped), evidence.ArtefactMeta{Name: "other.img"}, evidence.IngestOptions{Actor: "T"})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := b.Get(digestKey("a/", other.Digest))
	if err != nil {
		t.Fatal(err)
	}
	return rec, other.Digest
}
