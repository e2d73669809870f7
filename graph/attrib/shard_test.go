package attrib

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

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
		"detected":  func(*testing.T) Input { return detectedCase() },
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

// detectedCase has the aggregate rules' detections a sharded census
// cannot write straight to a shard: about a domain name (beaconing to a
// named host, folded whole in the census) and about an address no event
// names as a source (an internal host sweeping outside addresses, whose
// events name the addresses it tried), besides one about a source folded
// in a shard (the sweep's targets' own guessing).
func detectedCase() Input {
	var evs []parse.Event
	cite := func(n int) parse.Citation {
		return parse.Citation{Artefact: "sha256:" + strings.Repeat("d", 64), Line: int64(n + 1), Parser: "zeek-conn/1"}
	}
	for n := range 12 {
		evs = append(evs, parse.Event{Time: t0.Add(time.Duration(n) * time.Second), Kind: parse.KindFlow, Outcome: parse.OutcomeUnknown,
			Src: "10.0.0.9", Dst: fmt.Sprintf("91.203.5.%d", 10+n), DstPort: 445, Fields: map[string]string{"conn_state": "REJ"}, Citation: cite(n)})
	}
	for n := range 10 {
		evs = append(evs, parse.Event{Time: t0.Add(time.Duration(n) * time.Minute), Kind: parse.KindFlow, Outcome: parse.OutcomeSuccess,
			Src: "10.0.0.7", Dst: "c2.example.org", DstPort: 443, Fields: map[string]string{"conn_state": "SF"}, Citation: cite(100 + n)})
	}
	for n := range 30 {
		evs = append(evs, parse.Event{Time: t0.Add(time.Duration(n) * time.Second), Kind: parse.KindAuth, Outcome: parse.OutcomeFailure,
			Src: "91.203.5.10", Dst: "10.0.0.5", DstPort: 22, User: fmt.Sprintf("u%d", n%7), Citation: cite(200 + n)})
	}
	return Input{Events: evs}
}

// TestDetectedCaseDetects checks that detectedCase has the detections it
// is there for, so that TestShardedAssessmentSame tests them.
func TestDetectedCaseDetects(t *testing.T) {
	in := detectedCase()
	in.ShardSources = -1
	res, err := Assess(nil, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"10.0.0.9": "casefile-net-host-sweep", "c2.example.org": "casefile-net-beaconing", "91.203.5.10": "casefile-auth-"}
	for _, s := range res.Sources {
		rule, ok := want[s.Indicator]
		if !ok {
			continue
		}
		b, _ := json.Marshal(s.Factors)
		if !strings.Contains(string(b), rule) {
			t.Errorf("%s: no factor from %s:\n%s", s.Indicator, rule, b)
		}
		delete(want, s.Indicator)
	}
	if len(want) != 0 {
		t.Errorf("not assessed: %v", want)
	}
}
