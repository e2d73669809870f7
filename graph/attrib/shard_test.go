package attrib

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/casefile/casefile/evidence/parse"
)

// TestShardedAssessmentSame checks that an assessment sharded into
// several passes (shard.go) gives the one pass's result byte for byte:
// a generated case with a rotating pool and a campaign, the golden case,
// a web shell with domains contacted, and the real samples.
func TestShardedAssessmentSame(t *testing.T) {
	cases := map[string]func(t *testing.T) Input{
		"generated": func(*testing.T) Input { return genInput(20_000, 2_000) },
		"golden":    func(*testing.T) Input { return goldenCase().in },
		"webshell":  func(*testing.T) Input { return webShellCase().in },
		"real":      func(t *testing.T) Input { return Input{Events: realEvents(t)} },
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			in := mk(t)
			in.ShardSources = -1
			one := assessJSON(t, in)
			for _, per := range []int{1, 7, 250} {
				in.ShardSources = per
				in.TempDir = t.TempDir()
				if got := assessJSON(t, in); !bytes.Equal(got, one) {
					t.Errorf("%d sources a shard: the result differs from one pass's\n%.2000s\nwant\n%.2000s", per, got, one)
				}
				if left, _ := os.ReadDir(in.TempDir); len(left) != 0 {
					t.Errorf("%d temporary files left", len(left))
				}
			}
		})
	}
}

func assessJSON(t *testing.T, in Input) []byte {
	t.Helper()
	res, err := Assess(nil, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestShardPassesReadNoEvents checks that a sharded assessment reads the
// case's events twice, however many shards: the one pass that learns it
// must shard, and the census, which writes for the shard passes what they
// fold.
func TestShardPassesReadNoEvents(t *testing.T) {
	in := genInput(5_000, 500)
	stream, reads := in.Stream, 0
	in.Stream = func(yield func(parse.Event) bool) {
		reads++
		stream(yield)
	}
	for _, per := range []int{1, 7, 250} {
		reads = 0
		in.ShardSources = per
		in.TempDir = t.TempDir()
		if _, err := Assess(nil, in, nil); err != nil {
			t.Fatal(err)
		}
		if reads != 2 {
			t.Errorf("%d sources a shard: the events were read %d times, want 2", per, reads)
		}
	}
}
