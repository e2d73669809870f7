package evidence_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/memstore"
)

func TestIngestRoundTripAndHashes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, _ := newCase(t, bk)
		for _, size := range []int{0, 1, evidence.ChunkSize - 1, evidence.ChunkSize, evidence.ChunkSize + 1, 3*evidence.ChunkSize + 17} {
			data := make([]byte, size)
			rand.NewChaCha8([32]byte{byte(size)}).Read(data)
			res, err := c.Ingest(context.Background(), bytes.NewReader(data), evidence.ArtefactMeta{Name: fmt.Sprint(size)}, evidence.IngestOptions{LegacyHashes: true})
			if err != nil {
				t.Fatalf("size %d: %v", size, err)
			}
			if res.Digest != sha256.Sum256(data) || res.Size != int64(size) {
				t.Fatalf("size %d: digest/size wrong", size)
			}
			m, s := md5.Sum(data), sha1.Sum(data)
			if res.MD5 != hex.EncodeToString(m[:]) || res.SHA1 != hex.EncodeToString(s[:]) {
				t.Fatalf("size %d: legacy hashes wrong", size)
			}
			ar, err := c.OpenArtefact(res.Digest)
			if err != nil {
				t.Fatal(err)
			}
			back, err := io.ReadAll(io.NopCloser(ar))
			if err != nil || !bytes.Equal(back, data) {
				t.Fatalf("size %d: read back %d bytes, %v", size, len(back), err)
			}
		}
		if r := mustVerify(t, c); !r.OK || r.Artefacts != 6 {
			t.Fatalf("verify: %+v", r)
		}
	})
}

func TestIngestDuplicateStoredOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b := newCase(t, bk)
		data := bytes.Repeat([]byte("same bytes\n"), 300000) // ~3.3 MB, 4 chunks
		ctx := context.Background()
		r1, err := c.Ingest(ctx, bytes.NewReader(data), evidence.ArtefactMeta{Name: "a.log", Source: "first"}, evidence.IngestOptions{})
		if err != nil {
			t.Fatal(err)
		}
		countChunks := func() int {
			n := 0
			b.Keys([]byte("c/"), nil, func([]byte) error { n++; return nil })
			return n
		}
		before := countChunks()
		r2, err := c.Ingest(ctx, bytes.NewReader(data), evidence.ArtefactMeta{Name: "copy.log", Source: "second"}, evidence.IngestOptions{LegacyHashes: true})
		if err != nil {
			t.Fatal(err)
		}
		if r1.Duplicate || !r2.Duplicate || r1.Digest != r2.Digest || r2.Entry.Index != r1.Entry.Index+1 {
			t.Fatalf("duplicate handling: %+v %+v", r1, r2)
		}
		if after := countChunks(); after != before {
			t.Fatalf("second ingest stored %d more chunks", after-before)
		}
		var p evidence.IngestPayload
		r2.Entry.DecodePayload(&p)
		if p.Source != "second" || p.Name != "copy.log" || !p.Duplicate || p.MD5 == "" {
			t.Fatalf("second custody entry: %+v", p)
		}
		if r := mustVerify(t, c); !r.OK || r.Artefacts != 1 {
			t.Fatalf("verify: %+v", r)
		}
	})
}

func TestIngestHostileName(t *testing.T) {
	c, _ := newCase(t, backends[0])
	name := "evil\x1b[31m\xff%name\n../../etc/passwd"
	res, err := c.Ingest(context.Background(), bytes.NewReader([]byte("x")), evidence.ArtefactMeta{Name: name}, evidence.IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var p evidence.IngestPayload
	res.Entry.DecodePayload(&p)
	if !p.NameEscaped || p.Name != "evil%1B[31m%FF%25name%0A../../etc/passwd" {
		t.Fatalf("escaped name = %q (escaped %v)", p.Name, p.NameEscaped)
	}
	if evidence.UnescapeName(p.Name) != name {
		t.Fatalf("escaping is not reversible: %q", evidence.UnescapeName(p.Name))
	}
	if n, esc := evidence.EscapeName("plain name 100%.log"); esc || n != "plain name 100%.log" {
		t.Fatalf("a clean name was escaped: %q", n)
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, fmt.Errorf("disk on fire")
	}
	k := min(len(p), f.n)
	f.n -= k
	return k, nil
}

func TestIngestReadErrorCommitsNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, _ := newCase(t, bk)
		size := c.Log().Size()
		if _, err := c.Ingest(context.Background(), &failingReader{n: 2*evidence.ChunkSize + 5}, evidence.ArtefactMeta{Name: "x"}, evidence.IngestOptions{}); err == nil {
			t.Fatal("ingest of a failing reader succeeded")
		}
		if c.Log().Size() != size {
			t.Fatal("a failed ingest committed an entry")
		}
		if r := mustVerify(t, c); !r.OK {
			t.Fatalf("case does not verify after a failed ingest: %+v", r.Problems)
		}
	})
}

func TestConcurrentAppendsAndIngests(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b := newCase(t, bk)
		ctx := context.Background()
		var wg sync.WaitGroup
		const workers, each = 8, 40
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					var err error
					if i%8 == 0 {
						_, err = c.Ingest(ctx, bytes.NewReader(fmt.Appendf(nil, "artefact %d/%d", w, i)), evidence.ArtefactMeta{Name: "f"}, evidence.IngestOptions{})
					} else {
						_, err = c.Append(ctx, evidence.Draft{Kind: "note.added", Actor: fmt.Sprint(w), Payload: map[string]int{"i": i}})
					}
					if err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		want := uint64(1 + workers*each)
		if c.Log().Size() != want {
			t.Fatalf("size %d, want %d", c.Log().Size(), want)
		}
		r := mustVerify(t, c)
		if !r.OK || r.Entries != want {
			t.Fatalf("verify after concurrent writes: %+v", r)
		}
		// Group commit: concurrent appends share checkpoints.
		t.Logf("%d entries in %d commits", r.Entries, r.Checkpoints)
		seen := map[uint64]bool{}
		c.Entries(0, func(e *evidence.Entry) error { seen[e.Index] = true; return nil })
		if uint64(len(seen)) != want {
			t.Fatalf("%d distinct indexes", len(seen))
		}
		_ = b
	})
}

func TestAppendBatchIsOneCommit(t *testing.T) {
	c, _ := newCase(t, backends[1])
	drafts := make([]evidence.Draft, 1000)
	for i := range drafts {
		drafts[i] = evidence.Draft{Kind: "observation.recorded", Actor: "T", Payload: map[string]int{"i": i}}
	}
	es, err := c.Append(context.Background(), drafts...)
	if err != nil || len(es) != 1000 {
		t.Fatal(err)
	}
	r := mustVerify(t, c)
	if !r.OK || r.Checkpoints != 2 {
		t.Fatalf("1000 drafts in one Append should make one commit: %d checkpoints, %+v", r.Checkpoints, r.Problems)
	}
}

func TestAppendRejectsBadDrafts(t *testing.T) {
	c, _ := newCase(t, backends[0])
	ctx := context.Background()
	for name, d := range map[string]evidence.Draft{
		"no kind":     {Actor: "T"},
		"array":       {Kind: "x", Payload: []int{1}},
		"huge":        {Kind: "x", Payload: map[string]string{"a": string(bytes.Repeat([]byte("a"), evidence.MaxEntrySize))}},
		"unencodable": {Kind: "x", Payload: map[string]any{"f": func() {}}},
	} {
		if _, err := c.Append(ctx, d); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if r := mustVerify(t, c); !r.OK || r.Entries != 1 {
		t.Fatalf("rejected drafts changed the log: %+v", r)
	}
}

func TestAppendLazyCommitsAndChecks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b := newCase(t, bk)
		ctx := context.Background()
		for i := range 3 {
			if _, err := c.AppendLazy(ctx, []evidence.Op{{Key: fmt.Appendf(nil, "x/%d", i), Value: []byte("v")}},
				evidence.Draft{Kind: "observations.recorded", Actor: "T", Payload: map[string]int{"i": i}}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.AppendLazy(ctx, []evidence.Op{{Key: []byte("e/\x00"), Value: []byte("x")}}, evidence.Draft{Kind: "x"}); err == nil {
			t.Fatal("a lazy append into the log's key space was accepted")
		}
		if err := c.WriteDerived(nil, true); err != nil {
			t.Fatal(err)
		}
		if v, err := b.Get([]byte("x/2")); err != nil || string(v) != "v" {
			t.Fatalf("lazy ops not stored: %v", err)
		}
		if r := mustVerify(t, c); !r.OK || r.Entries != 4 || r.Checkpoints != 4 {
			t.Fatalf("verify after lazy appends: %+v", r)
		}
	})
}

func TestStampIndexNamesTheCommittedEntry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, b := newCase(t, bk)
		ctx := context.Background()
		var want []uint64
		for i := range 3 {
			v := append([]byte("ref:"), make([]byte, 8)...)
			es, err := c.AppendLazy(ctx, []evidence.Op{{Key: fmt.Appendf(nil, "x/%d", i), Value: v, StampIndex: true}},
				evidence.Draft{Kind: "observations.recorded", Actor: "T", Payload: map[string]int{"i": i}})
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, es[0].Index)
		}
		for i, w := range want {
			v, err := b.Get(fmt.Appendf(nil, "x/%d", i))
			if err != nil || !bytes.HasPrefix(v, []byte("ref:")) || len(v) != 12 {
				t.Fatalf("x/%d = %q, %v", i, v, err)
			}
			if got := binary.BigEndian.Uint64(v[4:]); got != w {
				t.Errorf("x/%d stamped %d, entry is %d", i, got, w)
			}
		}
		if _, err := c.AppendLazy(ctx, []evidence.Op{{Key: []byte("x/short"), Value: []byte("1234567"), StampIndex: true}},
			evidence.Draft{Kind: "x", Actor: "T"}); err == nil {
			t.Error("a stamped value shorter than 8 bytes was accepted")
		}
		if err := c.WriteDerived([]evidence.Op{{Key: []byte("x/d"), Value: make([]byte, 8), StampIndex: true}}, false); err == nil {
			t.Error("WriteDerived accepted a stamped op (there is no entry to name)")
		}
	})
}

// TestAppendedEntriesKeepTheirBytes: the entries an Append returns keep
// their bytes and fields while later batches reuse the buffers theirs were
// prepared in, and are the entries the log holds, under concurrent
// batches (group commits of several).
func TestAppendedEntriesKeepTheirBytes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, _ := newCase(t, bk)
		ctx := context.Background()
		var mu sync.Mutex
		var kept []*evidence.Entry
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for b := range 5 {
					drafts := make([]evidence.Draft, 100+w*70)
					for i := range drafts {
						drafts[i] = evidence.Draft{Kind: fmt.Sprintf("k%d", i%3), Actor: fmt.Sprint("worker ", w),
							Payload: map[string]any{"w": w, "b": b, "i": i, "text": strings.Repeat(fmt.Sprint(w, b, i), i%9)}}
					}
					es, err := c.Append(ctx, drafts...)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					kept = append(kept, es...)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		for _, e := range kept {
			stored, err := c.Entry(e.Index)
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := evidence.ParseEntry(e.Raw)
			if err != nil {
				t.Fatalf("entry %d: %v", e.Index, err)
			}
			if !bytes.Equal(stored.Raw, e.Raw) || !bytes.Equal(parsed.Payload, e.Payload) || parsed.Prev != e.Prev ||
				parsed.Kind != e.Kind || parsed.Actor != e.Actor || !parsed.Time.Equal(e.Time) || parsed.Index != e.Index {
				t.Fatalf("entry %d returned by Append:\n%+v\nnow stored as %s", e.Index, e, stored.Raw)
			}
		}
		if r := mustVerify(t, c); !r.OK || r.Entries != uint64(len(kept))+1 {
			t.Fatalf("%+v", r)
		}
	})
}

// remoteChunks keeps chunks in memory like a store that asks a server
// (S3) would keep them in a bucket, and counts the calls to Has and Put.
type remoteChunks struct {
	mu        sync.Mutex
	m         map[[32]byte][]byte
	has, puts int
}

func (r *remoteChunks) Put(sum [32]byte, data []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.puts++
	if _, ok := r.m[sum]; !ok {
		r.m[sum] = bytes.Clone(data)
	}
	return nil
}

func (r *remoteChunks) Get(sum [32]byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d, ok := r.m[sum]; ok {
		return bytes.Clone(d), nil
	}
	return nil, evidence.ErrNotFound
}

func (r *remoteChunks) Has(sum [32]byte) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.has++
	_, ok := r.m[sum]
	return ok, nil
}

func (r *remoteChunks) Sync() error { return nil }

func (r *remoteChunks) Each(fn func([32]byte) error) error {
	r.mu.Lock()
	var sums [][32]byte
	for s := range r.m {
		sums = append(sums, s)
	}
	r.mu.Unlock()
	for _, s := range sums {
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

type remoteBackend struct {
	*memstore.Store
	ch *remoteChunks
}

func (b remoteBackend) Chunks() evidence.Chunks { return b.ch }

// An ingest asks the chunk store nothing before each Put: Put skips a
// stored chunk itself, so that a store whose question is a round trip to
// a server asks it in the background (asked on the ingest's path, it held
// every chunk up by that round trip).
func TestIngestLeavesPresenceToPut(t *testing.T) {
	ch := &remoteChunks{m: map[[32]byte][]byte{}}
	s, v := testKeys(t)
	c, err := openOn(remoteBackend{memstore.New(), ch}, evidence.Config{Signer: s, Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if _, err := c.Create(ctx, "Test Examiner <t@example.org>", evidence.CaseInfo{Title: "test"}); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 3*evidence.ChunkSize+5) // four chunks and a chunk-list page
	rand.NewChaCha8([32]byte{7}).Read(data)
	for _, name := range []string{"disk.img", "copy.img"} {
		if _, err := c.Ingest(ctx, bytes.NewReader(data), evidence.ArtefactMeta{Name: name}, evidence.IngestOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if ch.has != 0 || ch.puts != 10 || len(ch.m) != 5 {
		t.Fatalf("two ingests of the same four chunks asked Has %d times, called Put %d times (want 0 and 10), and stored %d chunks (want 5)", ch.has, ch.puts, len(ch.m))
	}
	if r := mustVerify(t, c); !r.OK || r.Artefacts != 1 || r.Bytes != int64(len(data)) {
		t.Fatalf("verify: %+v", r)
	}
}
