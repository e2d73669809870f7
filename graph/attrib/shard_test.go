package attrib

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
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
