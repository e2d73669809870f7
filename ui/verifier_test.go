package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence"
)

// Parallel verify requests each ran a whole verification. Now a request
// during a run waits for the one run queued after it: 20 requests, 2 runs.
func TestVerifyRequestsCoalesce(t *testing.T) {
	var runs atomic.Int32
	release := make(chan struct{})
	v := newVerifier(t.Context(), func(ctx context.Context) (*evidence.Report, error) {
		n := runs.Add(1)
		if n == 1 {
			<-release
		}
		return &evidence.Report{OK: true, Entries: uint64(n)}, nil
	})
	first := make(chan *evidence.Report, 1)
	go func() { r, _ := v.run(t.Context()); first <- r }()
	for runs.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	var wg sync.WaitGroup
	got := make([]uint64, 20)
	for i := range got {
		wg.Go(func() {
			r, err := v.run(t.Context())
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = r.Entries
		})
	}
	time.Sleep(50 * time.Millisecond) // let them all queue
	if _, _, busy := v.state(); !busy {
		t.Error("not busy during a run")
	}
	close(release)
	wg.Wait()
	if r := <-first; r.Entries != 1 {
		t.Errorf("the first request got run %d", r.Entries)
	}
	for i, n := range got {
		if n != 2 {
			t.Errorf("request %d got run %d, want the one run after the first", i, n)
		}
	}
	if n := runs.Load(); n != 2 {
		t.Errorf("%d runs for 21 requests, want 2", n)
	}
	rep, _, busy := v.state()
	if busy || rep == nil || rep.Entries != 2 {
		t.Errorf("state after the runs: %+v busy=%v", rep, busy)
	}
	// A request already gone starts nothing.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := v.run(ctx); err == nil {
		t.Error("a cancelled request returned no error")
	}
	v.wait()
	if n := runs.Load(); n != 2 {
		t.Errorf("%d runs after a cancelled request", n)
	}
}

// Through the API: parallel POST /api/v1/verify all answer with a report.
func TestVerifyAPIParallel(t *testing.T) {
	f := newFixture(t, "")
	tok, _, err := NewToken(t.Context(), f.h.Case, testExaminer, "carl", 0)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", f.ts.URL+"/api/v1/verify", strings.NewReader(""))
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var out verifyJSON
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 || out.Report == nil || !out.OK {
				t.Errorf("verify: %d %v %+v", resp.StatusCode, err, out.Report)
			}
		})
	}
	wg.Wait()
}
