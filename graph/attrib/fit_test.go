package attrib

import (
	"math"
	"testing"
)

// Samples where the research-scanner list always means undetermined and
// a VPN flag always means relay: Fit strengthens both, keeps every λ on
// its side of 1, leaves λ = 1 alone and lowers the Brier score.
func TestFitLowersBrierKeepsDirections(t *testing.T) {
	m := DefaultModel()
	var samples []Sample
	for range 50 {
		samples = append(samples,
			Sample{Truth: Undetermined, Weight: 1, Factors: []SampleFactor{{"research-scanner", 0.7}, {"country", 0.7}}},
			Sample{Truth: Relay, Weight: 1, Factors: []SampleFactor{{"anonymous-vpn", 0.5}}},
			Sample{Truth: Perpetrator, Weight: 1, Factors: []SampleFactor{{"exclusive-interactive", 0.77}, {"hosting", 0.74}}},
		)
	}
	fitted, rep, err := Fit(m, samples, FitOptions{Penalty: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Distinct != 3 || rep.Samples != 150 || !(rep.BrierAfter < rep.BrierBefore-0.05) ||
		rep.Support["anonymous-vpn"] != 50 || rep.Support["hosting"] != 50 || rep.Support["beaconing"] != 0 {
		t.Fatalf("report %+v", rep)
	}
	for id, f := range m.Factors {
		for role, l0 := range f.Lambda {
			l := fitted.Factors[id].Lambda[role]
			switch {
			case l0 == 1 && l != 1:
				t.Errorf("%s/%s: λ 1 fitted to %g", id, role, l)
			case l0 > 1 && l < 1, l0 < 1 && l > 1:
				t.Errorf("%s/%s: direction flipped, %g → %g", id, role, l0, l)
			case (l > 50.0001 || l < 1/50.0001) && l != l0:
				t.Errorf("%s/%s: %g outside the bound", id, role, l)
			}
		}
	}
	if a, b := fitted.Factors["research-scanner"].Lambda[Perpetrator], m.Factors["research-scanner"].Lambda[Perpetrator]; !(a < b) {
		t.Errorf("research scanner λ(perpetrator) %g → %g: not strengthened", b, a)
	}
	if a, b := fitted.Factors["anonymous-vpn"].Lambda[Relay], m.Factors["anonymous-vpn"].Lambda[Relay]; !(a > b) {
		t.Errorf("VPN λ(relay) %g → %g: not strengthened", b, a)
	}
	// The fitted model is a valid model, and the starting one is untouched.
	if err := fitted.validate(); err != nil || m.Digest() != DefaultModel().Digest() {
		t.Fatalf("fitted model invalid (%v) or the starting model changed", err)
	}
	// The Brier the report gives is what Assess's arithmetic gives.
	r, _ := fitted.resolve()
	p, _ := newProblem(r, samples)
	if b, _ := p.score(p.theta()); math.Abs(b-rep.BrierAfter) > 0.01 {
		t.Errorf("re-scored %g, report %g", b, rep.BrierAfter)
	}
}

func TestFitRefusesBadInput(t *testing.T) {
	m := DefaultModel()
	for name, s := range map[string][]Sample{
		"no samples":     nil,
		"unknown role":   {{Truth: "villain", Weight: 1}},
		"unknown factor": {{Truth: Relay, Weight: 1, Factors: []SampleFactor{{"astrology", 1}}}},
	} {
		if _, _, err := Fit(m, s, FitOptions{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, _, err := Fit(m, []Sample{{Truth: Relay, Weight: 1}}, FitOptions{MaxRatio: 0.5}); err == nil {
		t.Error("max ratio below 1 accepted")
	}
}
