package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/casefile/casefile/evidence/resultleaves"
	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/attrib"
)

// TestAssessRecordEachSame: recording while streaming gives the sources
// AssessWith gives, in its order, and the entry and kept leaves Record
// makes of that result, reporting its progress to the last source; sharded
// too.
func TestAssessRecordEachSame(t *testing.T) {
	for _, shard := range []string{"", "1"} {
		t.Setenv("CASEFILE_ASSESS_SHARD_SOURCES", shard)
		c := testCase(t)
		ctx := context.Background()
		size := c.Log().Size()
		res, err := graph.Assess(ctx, c, attrib.DefaultModel(), nil)
		if err != nil {
			t.Fatal(err)
		}
		got := &attrib.Result{}
		var last graph.Progress
		e, err := graph.AssessRecordEach(ctx, c, attrib.DefaultModel(), nil, nil, "T", func(p graph.Progress) { last = p },
			func(h *attrib.Result) error { *got = *h; return nil },
			func(s *attrib.Source) error { got.Sources = append(got.Sources, *s); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if n := int64(len(res.Sources)); n == 0 || last.Judged != n || last.Sources != n || last.Read != last.Events {
			t.Errorf("shard %q: the last progress reported is %+v, for %d sources", shard, last, n)
		}
		a, _ := json.Marshal(res)
		b, _ := json.Marshal(got)
		if !bytes.Equal(a, b) {
			t.Fatalf("shard %q: streamed result differs:\n%s\nwant\n%s", shard, b, a)
		}
		p, err := graph.ReadAssessment(e)
		if err != nil {
			t.Fatal(err)
		}
		root, leaves, _ := graph.ResultRoot(res)
		if p.ResultRoot != root || p.TreeSize != size || p.Sources != len(res.Sources) || !p.LeavesKept {
			t.Fatalf("shard %q: entry %+v, want root %s over %d sources", shard, p, root, len(res.Sources))
		}
		kept, err := resultleaves.Read(c, root)
		if err != nil || !bytes.Equal(bytes.Join(kept, nil), bytes.Join(leaves, nil)) {
			t.Fatalf("shard %q: kept leaves %d of %d, %v", shard, len(kept), len(leaves), err)
		}
	}
}
