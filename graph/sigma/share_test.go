package sigma

import (
	"reflect"
	"testing"

	"github.com/casefile/casefile/evidence/parse"
)

// TestSharedStreams: rules that differ only in window or threshold share
// one stream of records — the three password-guessing rules of the
// built-in set, so a failed SSH login is remembered three times for the
// five aggregate rules it matches, not five.
func TestSharedStreams(t *testing.T) {
	e := Builtin()
	byID := map[string]int{}
	for i, r := range e.rules {
		byID[r.ID] = i
	}
	guess := byID["casefile-auth-password-guessing"]
	for _, id := range []string{"casefile-auth-repeated-failures", "casefile-auth-slow-guessing"} {
		if l := e.lead[byID[id]]; l != guess {
			t.Errorf("%s: its records are remembered by %s, not with the other guessing rules", id, e.rules[l].ID)
		}
	}
	for _, id := range []string{"casefile-auth-many-users", "casefile-auth-success-after-failures"} {
		if l := e.lead[byID[id]]; l != byID[id] {
			t.Errorf("%s shares the records of %s, whose events or groups differ", id, e.rules[l].ID)
		}
	}
	if !e.keepNoTime[guess] {
		t.Error("the guessing stream drops events without a time, which slow guessing (no timeframe) counts")
	}
	r := e.Start()
	defer r.Close()
	ev := parse.Event{Kind: parse.KindAuth, Action: "failed-password", Outcome: parse.OutcomeFailure, Src: "192.0.2.7", User: "root",
		Citation: parse.Citation{Artefact: "sha256:aa", Line: 1, Parser: "openssh/1"}}
	ev.Time = ev.Time.AddDate(2025, 0, 0)
	r.Match(&ev, func(*Rule) {})
	if len(r.recs) != 3 {
		t.Errorf("one failed SSH login was remembered %d times; want 3 (one per stream)", len(r.recs))
	}
}

// TestSharedStreamsSameDetections: a run whose rules share streams finds
// exactly what a run of the same rules each remembering its own records
// finds — over streams with events without a time (which the rules with
// a window skip and the one without counts), spilled or not, windows read
// from the buffer or from the second cursor — and drops the same events
// past the group limit.
func TestSharedStreamsSameDetections(t *testing.T) {
	shared := aggEngine(t)
	defer func(was bool) { shareStreams = was }(shareStreams)
	shareStreams = false
	alone := aggEngine(t)
	if reflect.DeepEqual(shared.lead, alone.lead) {
		t.Fatal("no aggregate rule of the test set shares a stream; the test compares nothing")
	}
	eachBuffering(t, func(t *testing.T) {
		for seed := uint64(11); seed < 15; seed++ {
			evs := aggStream(seed, 3000)
			for _, budget := range []int64{0, 23 * recSize} {
				want, _ := runWith(t, alone, evs, budget)
				got, _ := runWith(t, shared, evs, budget)
				if len(want) == 0 {
					t.Fatal("nothing fired; the stream tests nothing")
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("seed %d, budget %d: shared streams found\n%s\neach rule alone\n%s", seed, budget, text(got), text(want))
				}
			}
		}
	})
	evs := aggStream(3, 2000)
	dropped := func(e *Engine) []Dropped {
		r := e.Start()
		defer r.Close()
		r.maxGroups = 5
		for i := range evs {
			r.Match(&evs[i], func(*Rule) {})
		}
		return r.Dropped()
	}
	if got, want := dropped(shared), dropped(alone); len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("past 5 groups, shared streams dropped %v; each rule alone %v", got, want)
	}
}
