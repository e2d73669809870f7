package evidence_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/casefile/casefile/evidence"
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
