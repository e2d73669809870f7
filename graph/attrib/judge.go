package attrib

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// judgeChunk is how many sources are judged at once before they are
// given out in order: enough to keep every processor busy, few enough
// that the judged sources waiting to be given out take little memory.
const judgeChunk = 256

// judgeInOrder judges sources 0…n−1 on every processor and gives each to
// emit in order. Judging one source (its observations read from the
// store, its factors combined) takes tens of microseconds and depends on
// nothing another source's judging changes; a case of a million enriched
// sources spent half its assessment doing it on one processor. judge is
// called concurrently and must only read what the sources share; emit is
// called on the caller's goroutine, never while judge runs, so it may
// change what judge reads (release an aggregate once its source is out).
func judgeInOrder(n int, judge func(k int) (Source, error), emit func(k int, s *Source) error) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for k := range n {
			s, err := judge(k)
			if err != nil {
				return err
			}
			if err := emit(k, &s); err != nil {
				return err
			}
		}
		return nil
	}
	out := make([]Source, judgeChunk)
	errs := make([]error, judgeChunk)
	for lo := 0; lo < n; lo += judgeChunk {
		hi := min(lo+judgeChunk, n)
		var next atomic.Int64
		next.Store(int64(lo))
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for k := int(next.Add(1) - 1); k < hi; k = int(next.Add(1) - 1) {
					out[k-lo], errs[k-lo] = judge(k)
				}
			})
		}
		wg.Wait()
		for k := lo; k < hi; k++ {
			if errs[k-lo] != nil {
				return errs[k-lo]
			}
			s := out[k-lo]
			out[k-lo] = Source{}
			if err := emit(k, &s); err != nil {
				return err
			}
		}
	}
	return nil
}
