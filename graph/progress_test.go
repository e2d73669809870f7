package graph_test

import (
	"context"
	"testing"

	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/attrib"
)

// TestAssessEachProgress: the progress reported counts what was read: the
// last reading of the events (a sharded assessment reads them twice) ends
// with every event the parse runs hold, and the last report has judged
// every source given.
func TestAssessEachProgress(t *testing.T) {
	for _, shard := range []string{"", "1"} {
		t.Setenv("CASEFILE_ASSESS_SHARD_SOURCES", shard)
		c := testCase(t)
		ctx := context.Background()
		var reports []graph.Progress
		var given int64
		err := graph.AssessEachProgress(ctx, c, attrib.DefaultModel(), nil, nil, func(p graph.Progress) { reports = append(reports, p) },
			func(*attrib.Result) error { return nil }, func(*attrib.Source) error { given++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		passes, ended := 0, map[int]graph.Progress{}
		for _, p := range reports {
			passes = max(passes, p.Pass)
			if p.Sources == 0 {
				ended[p.Pass] = p
			}
		}
		want := 1
		if shard != "" {
			want = 2
		}
		if passes != want {
			t.Errorf("shard %q: %d readings of the events reported, want %d", shard, passes, want)
		}
		// A census that learns it must shard stops reading: only the
		// last reading reads every event.
		for pass, p := range ended {
			if p.Events != 4 || p.Read > p.Events || pass == passes && p.Read != p.Events {
				t.Errorf("shard %q: reading %d of %d ended having read %d of %d events (the case has 4)", shard, pass, passes, p.Read, p.Events)
			}
		}
		last := reports[len(reports)-1]
		if given == 0 || last.Judged != given || last.Sources != given {
			t.Errorf("shard %q: last report %+v, %d sources given", shard, last, given)
		}
	}
}
