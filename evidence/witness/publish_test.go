package witness_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/tsa/tsatest"
	"github.com/casefile/casefile/evidence/witness"
	"github.com/casefile/casefile/evidence/witness/witnesstest"
)

var stampTime = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// witnessed is a case with two witnesses (quorum 2) and a TSA.
type witnessed struct {
	k      testKey
	c      *evidence.Case
	w1, w2 *witnesstest.Server
	tsa    *tsatest.Server
	policy witness.Policy
}

func newWitnessed(t *testing.T) *witnessed {
	k := newKey(t, testOrigin)
	x := &witnessed{k: k, c: newCase(t, k)}
	x.w1 = newWitness(t, "counsel.example/w1", k.vkey)
	x.w2 = newWitness(t, "cert.example/w2", k.vkey)
	x.tsa = tsatest.New(t, func() time.Time { return stampTime })
	grow(t, x.c, 2, "before")
	p := witness.Policy{
		Witnesses: []witness.Witness{{URL: x.w1.URL, VKey: x.w1.VKey()}, {URL: x.w2.URL, VKey: x.w2.VKey()}},
		Quorum:    2, TSA: x.tsa.URL,
	}
	if _, err := witness.Record(context.Background(), x.c, "tester", p); err != nil {
		t.Fatal(err)
	}
	got, _, ok, err := witness.Load(x.c)
	if err != nil || !ok || got.Quorum != 2 || !strings.Contains(got.Summary, "2 of 2") {
		t.Fatalf("policy %+v %v %v", got, ok, err)
	}
	x.policy = got
	x.publish(t, 2)
	return x
}

func (x *witnessed) publish(t *testing.T, want int) *witness.Published {
	t.Helper()
	res, err := witness.Publish(context.Background(), x.c, x.policy, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Cosigned != want || res.Size != x.c.Log().Size() {
		t.Fatalf("published %+v, want %d cosignatures", res, want)
	}
	return res
}

func check(t *testing.T, c *evidence.Case, offline bool) *witness.Report {
	t.Helper()
	r, err := witness.Check(context.Background(), c, witness.CheckOptions{Offline: offline})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPublishAndCheck(t *testing.T) {
	x := newWitnessed(t)
	grow(t, x.c, 3, "after")
	res := x.publish(t, 2)
	if !res.QuorumMet() || res.Timestamp == nil || res.Timestamp.Err != "" || !strings.Contains(res.Timestamp.Who, tsatest.Name) {
		t.Fatalf("published %+v, timestamp %+v", res, res.Timestamp)
	}
	// Publishing again asks nobody: everything is stored.
	before := x.tsa.Requests.Load()
	x.publish(t, 2)
	if x.tsa.Requests.Load() != before {
		t.Fatal("the same checkpoint was timestamped twice")
	}
	r := check(t, x.c, false)
	if !r.OK() || len(r.Warnings) != 0 {
		t.Fatalf("check: %+v", r)
	}
	// Two sizes (3 and 6), two witnesses each; two timestamps.
	if len(r.Cosignatures) != 4 || len(r.Timestamps) != 2 || r.Timestamps[1].Size != 6 || !r.Timestamps[1].Time.Equal(stampTime) {
		t.Fatalf("cosignatures %+v, timestamps %+v", r.Cosignatures, r.Timestamps)
	}
	for _, cs := range r.Cosignatures {
		if cs.Time < time.Now().Add(-time.Minute).Unix() || cs.Time > time.Now().Unix() {
			t.Fatalf("cosignature time %d", cs.Time)
		}
	}
	if len(r.Asked) != 2 || r.Asked[0].Err != "" {
		t.Fatalf("asked %+v", r.Asked)
	}
}

func TestWitnessDownIsAWarning(t *testing.T) {
	x := newWitnessed(t)
	x.w2.HTTP.Close()
	grow(t, x.c, 2, "after")
	res := x.publish(t, 1)
	if res.QuorumMet() || res.Witnesses[1].Err == "" || res.Witnesses[1].Refused {
		t.Fatalf("published %+v", res.Witnesses)
	}
	r := check(t, x.c, false)
	if !r.OK() || len(r.Warnings) != 2 {
		t.Fatalf("check with a witness down: %+v", r)
	}
	if !strings.Contains(strings.Join(r.Warnings, "\n"), "only 1 of the 2") {
		t.Fatalf("warnings %q", r.Warnings)
	}
}

// A case truncated to a state before the witnesses' last cosignature, by
// someone who holds the case key and deleted every stored cosignature:
// the witnesses say so.
func TestCheckTruncated(t *testing.T) {
	x := newWitnessed(t)
	old := snapshot(t, x.c) // size 3, cosigned at 3
	grow(t, x.c, 4, "after")
	x.publish(t, 2) // cosigned at 7
	back := openCase(t, old, x.k)
	r := check(t, back, true)
	if !r.OK() {
		t.Fatalf("offline check of the older state: %+v", r)
	}
	r = check(t, back, false)
	if r.OK() || !strings.Contains(r.Problems[0], "has cosigned size 7, but the case has only 3") {
		t.Fatalf("truncated case: %+v", r)
	}
	// Writing on after the truncation: the witnesses refuse to cosign.
	grow(t, back, 1, "rewritten")
	res, err := witness.Publish(context.Background(), back, x.policy, nil)
	if err != nil || res.Cosigned != 0 || !res.Witnesses[0].Refused || !strings.Contains(res.Witnesses[0].Err, "larger than this case's 4") {
		t.Fatalf("publish of the truncated case: %+v %v", res, err)
	}
}

// A case rewritten from an earlier state and grown past what the witnesses
// cosigned: the consistency proof fails at the witnesses.
func TestCheckForked(t *testing.T) {
	x := newWitnessed(t)
	old, old2 := snapshot(t, x.c), snapshot(t, x.c)
	grow(t, x.c, 2, "after")
	x.publish(t, 2) // 5
	fork := openCase(t, old, x.k)
	grow(t, fork, 6, "rewritten")
	r := check(t, fork, false)
	if r.OK() || !strings.Contains(r.Problems[0], "not an extension") {
		t.Fatalf("forked case: %+v", r)
	}
	// Same size, other root.
	fork2 := openCase(t, old2, x.k)
	grow(t, fork2, 2, "rewritten")
	r = check(t, fork2, false)
	if r.OK() || !strings.Contains(r.Problems[0], "another root") {
		t.Fatalf("fork at the same size: %+v", r)
	}
}

// Stored cosignatures and timestamps that do not match the checkpoints
// are problems even offline.
func TestCheckStoredTraces(t *testing.T) {
	x := newWitnessed(t)
	grow(t, x.c, 4, "after")
	x.publish(t, 2) // 7
	// Keep the traces of size 7 but rewrite the log to another size 7.
	traces := snapshot(t, x.c)
	fork := newCase(t, x.k)
	grow(t, fork, 7, "other")
	var ops []evidence.Op
	for _, p := range []string{"wc/", "wt/", "wg/"} {
		openCase(t, traces, x.k).Derived().Scan([]byte(p), nil, func(k, v []byte) error {
			ops = append(ops, evidence.Op{Key: append([]byte(nil), k...), Value: append([]byte(nil), v...)})
			return nil
		})
	}
	if err := fork.WriteDerived(ops, true); err != nil {
		t.Fatal(err)
	}
	r := check(t, fork, true)
	all := strings.Join(r.Problems, "\n")
	for _, want := range []string{"not over the case's checkpoint", "timestamp of size 7", "no witnessing.configured entry records it"} {
		if !strings.Contains(all, want) {
			t.Errorf("no problem %q in\n%s", want, all)
		}
	}
}

// The policy kept beside the log must be the one the latest
// witnessing.configured entry records: dropping a witness there is seen.
func TestCheckPolicyEntry(t *testing.T) {
	x := newWitnessed(t)
	_, idx, _, err := witness.Load(x.c)
	if err != nil {
		t.Fatal(err)
	}
	p := x.policy
	p.Witnesses, p.Quorum = p.Witnesses[:1], 1
	raw, _ := json.Marshal(p)
	raw = binary.BigEndian.AppendUint64(raw, idx)
	if err := x.c.WriteDerived([]evidence.Op{{Key: []byte("wg/policy"), Value: raw}}, true); err != nil {
		t.Fatal(err)
	}
	r := check(t, x.c, true)
	if r.OK() || !strings.Contains(strings.Join(r.Problems, "\n"), "is not the one entry") {
		t.Fatalf("changed policy: %+v", r.Problems)
	}
}
