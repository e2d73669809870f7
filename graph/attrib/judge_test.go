package attrib

import (
	"errors"
	"runtime"
	"strconv"
	"testing"
)

// judgeInOrder gives every source once, in order, whatever the number of
// processors, and stops at the first failure without giving what follows.
func TestJudgeInOrder(t *testing.T) {
	bad := errors.New("bad")
	for _, procs := range []int{1, 4} {
		old := runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, judgeChunk - 1, judgeChunk, 3*judgeChunk + 5} {
			var got []string
			err := judgeInOrder(n, func(k int) (Source, error) {
				return Source{Indicator: strconv.Itoa(k)}, nil
			}, func(k int, s *Source) error {
				if s.Indicator != strconv.Itoa(k) {
					t.Fatalf("%d processors: source %d given as %q", procs, k, s.Indicator)
				}
				got = append(got, s.Indicator)
				return nil
			})
			if err != nil || len(got) != n {
				t.Fatalf("%d processors, %d sources: %d given, %v", procs, n, len(got), err)
			}
			failAt := n / 2
			given := 0
			err = judgeInOrder(n, func(k int) (Source, error) {
				if k == failAt {
					return Source{}, bad
				}
				return Source{}, nil
			}, func(k int, _ *Source) error {
				if k >= failAt {
					t.Fatalf("%d processors: source %d given after source %d failed", procs, k, failAt)
				}
				given++
				return nil
			})
			if n > 0 && (!errors.Is(err, bad) || given != failAt) {
				t.Fatalf("%d processors, %d sources: failure at %d gave %v after %d sources", procs, n, failAt, err, given)
			}
		}
		runtime.GOMAXPROCS(old)
	}
}
