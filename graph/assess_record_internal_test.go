package graph

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
)

// TestLeafSorterSpills: leaves sorted through many temporary runs come
// back in indicator order, those of one indicator in the order added,
// and the runs are removed.
func TestLeafSorterSpills(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	for _, budget := range []int{0, 1, 500} {
		s := &leafSorter{budget: budget}
		r := rand.New(rand.NewPCG(1, 2))
		type pair struct{ ind, leaf string }
		var want []pair
		for i := range 2000 {
			p := pair{fmt.Sprintf("10.0.%d.%d", r.IntN(30), r.IntN(30)), fmt.Sprintf(`{"n":%d}`, i)}
			want = append(want, p)
			if err := s.add(p.ind, []byte(p.leaf)); err != nil {
				t.Fatal(err)
			}
		}
		slices.SortStableFunc(want, func(x, y pair) int {
			if x.ind < y.ind {
				return -1
			}
			if x.ind > y.ind {
				return 1
			}
			return 0
		})
		var got []pair
		if err := s.each(func(ind string, leaf []byte) error { got = append(got, pair{ind, string(leaf)}); return nil }); err != nil {
			t.Fatal(err)
		}
		if budget != 0 && len(s.runs) < 2 {
			t.Errorf("budget %d: %d runs, want several", budget, len(s.runs))
		}
		s.close()
		if !slices.Equal(got, want) {
			t.Errorf("budget %d: leaves out of order", budget)
		}
		if left, _ := os.ReadDir(os.Getenv("TMPDIR")); len(left) != 0 {
			t.Errorf("budget %d: %d temporary files left", budget, len(left))
		}
	}
}
