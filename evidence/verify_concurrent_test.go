package evidence_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/badgerstore"
)

// A verification in a process that goes on appending (the workbench:
// logins, views, verify.started entries) reads one state of the log:
// entries, checkpoints and artefact records committed meanwhile are not
// half seen and reported as damage.
func TestVerifyWhileAppending(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backendKind) {
		c, _ := newCase(t, bk)
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := range 3 {
			wg.Go(func() {
				for i := 0; ctx.Err() == nil; i++ {
					if w == 0 && i%10 == 0 { // an artefact record committed with its entry
						data := fmt.Appendf(nil, "line %d of writer %d\n", i, w)
						if _, err := c.Ingest(context.Background(), bytes.NewReader(data), evidence.ArtefactMeta{Name: "x.log"}, evidence.IngestOptions{}); err != nil {
							t.Error(err)
							return
						}
						continue
					}
					if _, err := c.Append(context.Background(), evidence.Draft{Kind: "test.viewed", Actor: "t", Payload: map[string]int{"i": i}}); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		for range 15 {
			if r := mustVerify(t, c); !r.OK {
				t.Errorf("verify during appends: %+v", r.Problems)
				break
			}
		}
		stop()
		wg.Wait()
		if r := mustVerify(t, c); !r.OK {
			t.Fatalf("after: %+v", r.Problems)
		}
	})
}

// TestReadersSeeOnlyIndexedHeads: an entries-only commit answers its
// callers before its index batch is written. Readers in the process,
// on a bare store (nothing in the test waits for the index), never see
// a head whose entries, tree hashes or checkpoint cannot be read yet,
// and an appender reads back at once the entries its append returned.
func TestReadersSeeOnlyIndexedHeads(t *testing.T) {
	st, err := badgerstore.Open(t.TempDir(), badgerstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, v := testKeys(t)
	c, err := evidence.Open(st, evidence.Config{Signer: s, Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Create(ctx, "T", evidence.CaseInfo{Title: "t"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := range 40 {
				got, err := c.Append(ctx, notes(1+(i*7+w)%50)...)
				if err != nil {
					t.Error(err)
					return
				}
				last := got[len(got)-1]
				if e, err := c.Entry(last.Index); err != nil || !bytes.Equal(e.Raw, last.Raw) {
					t.Errorf("entry %d just appended: %v", last.Index, err)
					return
				}
				if _, ck, err := c.CheckpointAt(c.Log().Size()); err != nil || ck.Size <= last.Index {
					t.Errorf("checkpoint after entry %d: %v", last.Index, err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for reads := 0; ; reads++ {
		select {
		case <-done:
			if r := mustVerify(t, c); !r.OK || reads == 0 {
				t.Fatalf("after %d reads: %+v", reads, r)
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			return
		default:
		}
		ckMsg := c.Log().Checkpoint()
		ck, err := evidence.OpenCheckpoint(ckMsg, v)
		if err != nil {
			t.Fatal(err)
		}
		e, err := c.Entry(ck.Size - 1)
		if err != nil {
			t.Fatalf("the head's last entry %d: %v", ck.Size-1, err)
		}
		p, err := c.InclusionProof(ck.Size-1, ck.Size)
		if err != nil {
			t.Fatalf("proof of the head's last entry: %v", err)
		}
		if err := tlog.CheckRecord(p, int64(ck.Size), ck.Root, int64(ck.Size-1), e.LeafHash()); err != nil {
			t.Fatalf("the head's last entry in its checkpoint: %v", err)
		}
	}
}

// TestIndexWrittenWithoutReaders: the index of a commit that no later
// commit or reader asks for is written all the same, soon after.
func TestIndexWrittenWithoutReaders(t *testing.T) {
	st, err := badgerstore.Open(t.TempDir(), badgerstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, v := testKeys(t)
	c, err := evidence.Open(st, evidence.Config{Signer: s, Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(context.Background(), "T", evidence.CaseInfo{Title: "t"}); err != nil {
		t.Fatal(err)
	}
	key := []byte("k/\x00\x00\x00\x00\x00\x00\x00\x01") // the checkpoint of size 1
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := st.Get(key); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the index of the only commit was never written")
		}
		time.Sleep(time.Millisecond)
	}
}
