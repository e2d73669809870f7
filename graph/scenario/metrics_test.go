package scenario

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

var (
	metricTruth = map[string]string{"a": Perpetrator, "b": Relay, "c": Relay}
	metricPred  = map[string]map[string]float64{
		"a": {Perpetrator: 0.7, Relay: 0.2, Undetermined: 0.1},
		"b": {Relay: 0.5, Compromised: 0.5}, // tie: Roles() order gives relay
		// c has no prediction
		"z": {Platform: 1}, // not in the truth: ignored
	}
)

func TestScoreHandComputed(t *testing.T) {
	m := Score(metricTruth, metricPred)
	// Brier: a (0.7−1)²+0.2²+0.1² = 0.14; b 0.5²+0.5² = 0.5; c 1 → 1.64/3.
	// Log-loss: (−ln 0.7 − ln 0.5 − ln 1e-6)/3.
	wantLL := (-math.Log(0.7) - math.Log(0.5) - math.Log(1e-6)) / 3
	if m.N != 3 || !near(m.Brier, 1.64/3) || !near(m.BrierPerClass, 1.64/15) || !near(m.LogLoss, wantLL) {
		t.Fatalf("N %d Brier %v per-class %v LogLoss %v (want %v)", m.N, m.Brier, m.BrierPerClass, m.LogLoss, wantLL)
	}
	if m.Confusion[Perpetrator][Perpetrator] != 1 || m.Confusion[Relay][Relay] != 1 || m.Confusion[Relay][NoPrediction] != 1 {
		t.Fatalf("confusion %v", m.Confusion)
	}
	// perp: P 1 R 1 F1 1; relay: P 1 R 0.5 F1 2/3; macro 5/6.
	if p := m.PerRole[Perpetrator]; !near(p.F1, 1) || p.Support != 1 {
		t.Errorf("perp %+v", p)
	}
	if p := m.PerRole[Relay]; !near(p.Precision, 1) || !near(p.Recall, 0.5) || !near(p.F1, 2.0/3) || p.Support != 2 {
		t.Errorf("relay %+v", p)
	}
	if len(m.PerRole) != 2 || !near(m.MacroF1, 5.0/6) {
		t.Errorf("macro-F1 %v over %v", m.MacroF1, m.PerRole)
	}
}

func TestScoreWrongPrediction(t *testing.T) {
	// One platform source predicted undetermined with certainty: every role
	// present (platform, undetermined) has F1 0, Brier 2, log-loss ln 1e6.
	m := Score(map[string]string{"x": Platform}, map[string]map[string]float64{"x": {Undetermined: 1}})
	if m.MacroF1 != 0 || !near(m.Brier, 2) || !near(m.LogLoss, math.Log(1e6)) || len(m.PerRole) != 2 {
		t.Fatalf("%+v", m)
	}
	// A perfect prediction.
	m = Score(map[string]string{"x": Platform}, map[string]map[string]float64{"x": {Platform: 1}})
	if m.MacroF1 != 1 || m.Brier != 0 || m.LogLoss != 0 {
		t.Fatalf("%+v", m)
	}
	if m := Score(nil, nil); m.N != 0 || m.Brier != 0 || m.MacroF1 != 0 {
		t.Fatalf("empty: %+v", m)
	}
}

func TestMergePoolsSources(t *testing.T) {
	one := Score(map[string]string{"a": Perpetrator}, metricPred)
	two := Score(map[string]string{"b": Relay, "c": Relay}, metricPred)
	all := Score(metricTruth, metricPred)
	m := Merge(one, two)
	if m.N != all.N || !near(m.Brier, all.Brier) || !near(m.LogLoss, all.LogLoss) || !near(m.MacroF1, all.MacroF1) ||
		!near(m.BrierPerClass, all.BrierPerClass) {
		t.Fatalf("merged %+v, want %+v", m, all)
	}
	for r, p := range all.PerRole {
		if q := m.PerRole[r]; !near(q.F1, p.F1) || q.Support != p.Support {
			t.Errorf("%s: %+v vs %+v", r, q, p)
		}
	}
	if z := Merge(); z.N != 0 || z.MacroF1 != 0 {
		t.Errorf("empty merge %+v", z)
	}
}

func TestScoreStated(t *testing.T) {
	truth := map[string]string{"a": Undetermined, "b": Relay}
	p := map[string]map[string]float64{
		"a": {Relay: 0.3, Compromised: 0.3, Undetermined: 0.25, Perpetrator: 0.1, Platform: 0.05},
		"b": {Relay: 0.8, Undetermined: 0.2},
	}
	argmax := Score(truth, p)
	stated := ScoreStated(truth, map[string]string{"a": Undetermined}, p)
	if argmax.Confusion[Undetermined][Relay] != 1 || stated.Confusion[Undetermined][Undetermined] != 1 || stated.Confusion[Relay][Relay] != 1 {
		t.Fatalf("confusion: argmax %v stated %v", argmax.Confusion, stated.Confusion)
	}
	if stated.MacroF1 != 1 || argmax.Brier != stated.Brier {
		t.Errorf("macro-F1 %v, Brier %v vs %v", stated.MacroF1, argmax.Brier, stated.Brier)
	}
}
