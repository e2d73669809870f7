package attrib

import (
	"bytes"
	"maps"
	"slices"
	"sync"
	"testing"

	"github.com/casefile/casefile/enrich"
)

// TestStreamedObservationsSame: an assessment that reads the observations
// streamed (EachObserved, ObservationsOf, as graph does for a case) gives
// the map's result byte for byte, one pass or sharded, keeps nothing of the
// streamed slices (each call overwrites the last one's), and reads again
// only the sources something was observed about.
func TestStreamedObservationsSame(t *testing.T) {
	for name, in := range map[string]Input{
		"generated": genInput(20_000, 2_000),
		"golden":    goldenCase().in,
		"webshell":  webShellCase().in,
	} {
		t.Run(name, func(t *testing.T) {
			if len(in.Observations) == 0 {
				t.Fatal("the case has no observations: the test would prove nothing")
			}
			for _, per := range []int{-1, 7} {
				in.ShardSources, in.TempDir = per, t.TempDir()
				want := assessJSON(t, in)
				streamed := in
				m := in.Observations
				streamed.Observations = nil
				var buf []enrich.Observation
				streamed.EachObserved = func(fn func(string, []enrich.Observation) error) error {
					for _, k := range slices.Sorted(maps.Keys(m)) {
						for i := range buf {
							buf[i] = enrich.Observation{Indicator: "overwritten"}
						}
						buf = append(buf[:0], m[k]...)
						if err := fn(k, buf); err != nil {
							return err
						}
					}
					return nil
				}
				asked := map[string]int{}
				var mu sync.Mutex // sources are judged concurrently
				streamed.ObservationsOf = func(k string) ([]enrich.Observation, error) {
					mu.Lock()
					defer mu.Unlock()
					asked[k]++
					if len(m[k]) == 0 {
						t.Errorf("observations of %s read again, though nothing was observed about it", k)
					}
					return slices.Clone(m[k]), nil
				}
				if got := assessJSON(t, streamed); !bytes.Equal(got, want) {
					t.Errorf("shard %d: streamed observations give another result\n%.1500s\nwant\n%.1500s", per, got, want)
				}
				for k, n := range asked {
					if n > 2 {
						t.Errorf("observations of %s read %d times", k, n)
					}
				}
			}
		})
	}
}
