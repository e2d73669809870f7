package attrib

import (
	"fmt"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/parse"
)

// A source's logins: one per account, the earliest time and its line,
// counted; failures, unnamed and non-login events are not logins; the
// list is bounded and says so.
func TestLogins(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	ev := func(user, outcome, kind string, min int, line int64) *parse.Event {
		return &parse.Event{Time: t0.Add(time.Duration(min) * time.Minute), User: user, Outcome: outcome, Kind: kind,
			Citation: parse.Citation{Artefact: "sha256:aa", Line: line}}
	}
	g := &agg{}
	for _, e := range []*parse.Event{
		ev("jsmith", parse.OutcomeSuccess, parse.KindAuth, 30, 3),
		ev("jsmith", parse.OutcomeSuccess, parse.KindAuth, 10, 1), // earlier, seen later
		ev("root", parse.OutcomeFailure, parse.KindAuth, 5, 2),
		ev("", parse.OutcomeSuccess, parse.KindAuth, 5, 4),
		ev("svc", parse.OutcomeSuccess, parse.KindHTTP, 5, 5),
		ev("deploy", parse.OutcomeSuccess, parse.KindAPI, 20, 6),
	} {
		if isLogin(e) {
			g.addLogin(e)
		}
	}
	ls, over := loginsOf(g)
	if got := fmt.Sprintf("%v %v", ls, over); got != fmt.Sprintf("%v false", []Login{
		{Account: "jsmith", First: ptr(t0.Add(10 * time.Minute)), Count: 2, Evidence: "sha256:aa#L1"},
		{Account: "deploy", First: ptr(t0.Add(20 * time.Minute)), Count: 1, Evidence: "sha256:aa#L6"},
	}) {
		t.Fatalf("logins: %s", got)
	}
	for i := range maxLogins + 1 {
		g.addLogin(ev(fmt.Sprintf("u%d", i), parse.OutcomeSuccess, parse.KindAuth, i, int64(i)))
	}
	if ls, over := loginsOf(g); len(ls) != maxLogins || !over {
		t.Fatalf("bound: %d logins, over %v", len(ls), over)
	}
	if ls, over := loginsOf(&agg{}); ls != nil || over {
		t.Fatal("no logins must give nil")
	}
}

func ptr[T any](v T) *T { return &v }
