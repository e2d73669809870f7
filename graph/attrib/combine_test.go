package attrib

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestLambdaEffNeverFlips(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 100000; i++ {
		lambda := math.Exp(rng.Float64()*12 - 6) // 0.0025 … 400
		rho := rng.Float64()
		le := lambdaEff(lambda, rho)
		if le <= 0 || math.Min(1, lambda)-1e-12 > le || le > math.Max(1, lambda)+1e-12 {
			t.Fatalf("λ=%v ρ=%v: λeff=%v outside [1, λ]", lambda, rho, le)
		}
		if (lambda > 1 && math.Log(le) < 0) || (lambda < 1 && math.Log(le) > 0) {
			t.Fatalf("λ=%v ρ=%v: direction flipped", lambda, rho)
		}
	}
	if lambdaEff(50, 0) != 1 || lambdaEff(50, 1) != 50 {
		t.Fatal("ρ=0 must give 1 and ρ=1 must give λ")
	}
}

func TestRho(t *testing.T) {
	// A .95 × 1 × 2^(−24/24) × 1 = .475
	if got := rhoOf(0.95, 1, 24, 24, 1); math.Abs(got-0.475) > 1e-12 {
		t.Fatalf("rho %v", got)
	}
	if got := rhoOf(0.85, 0.9, 100, 0, 0.2); math.Abs(got-0.153) > 1e-12 {
		t.Fatalf("no half-life: rho %v", got)
	}
}

func TestFamilyCountsStrongestMemberPerRole(t *testing.T) {
	r, _ := DefaultModel().resolve()
	vpn := newContribution(&r.spec[fVPN], 1, r.lnClip)      // strongest for relay
	pub := newContribution(&r.spec[fPubProxy], 1, r.lnClip) // weaker for relay and compromised
	res := newContribution(&r.spec[fResProxy], 1, r.lnClip) // strongest for compromised
	host := newContribution(&r.spec[fHosting], 1, r.lnClip) // other family
	score, counted := combine(r.lnPrior, []contribution{vpn, pub, res, host})
	lam := func(f, role int) float64 { return math.Min(math.Log(r.spec[f].lambda[role]), r.lnClip) }
	if !(lam(fVPN, 1) > lam(fResProxy, 1) && lam(fResProxy, 1) > lam(fPubProxy, 1) && lam(fResProxy, 2) > lam(fPubProxy, 2)) {
		t.Fatal("the default λ no longer order the members as this test assumes")
	}
	wantRelay := r.lnPrior[1] + lam(fVPN, 1) + lam(fHosting, 1)
	if math.Abs(score[1]-wantRelay) > 1e-9 {
		t.Fatalf("relay score %v, want %v (only the VPN member counts)", score[1], wantRelay)
	}
	wantComp := r.lnPrior[2] + lam(fResProxy, 2) + lam(fHosting, 2)
	if math.Abs(score[2]-wantComp) > 1e-9 {
		t.Fatalf("compromised score %v, want %v", score[2], wantComp)
	}
	// perpetrator: VPN 0.3, public 0.3, residential 0.1 → the residential proxy (|ln .1|) counts
	if !counted[2][0] || counted[0][0] || counted[1][0] || !counted[3][0] {
		t.Fatalf("counted %v", counted)
	}
	if score[rUnd] != 0 {
		t.Fatal("undetermined is the reference")
	}
}

func TestClip(t *testing.T) {
	r, _ := DefaultModel().resolve()
	c := newContribution(&r.spec[fSaaSC2], 1, r.lnClip) // λ 40 for platform
	if math.Abs(c.nats[3]-math.Log(20)) > 1e-12 {
		t.Fatalf("clip: %v", c.nats[3])
	}
}

func TestPosteriorClamp(t *testing.T) {
	p := posterior([nRoles]float64{-50, 30, -50, -50, 0}, 0.01, 0.99)
	sum := 0.0
	for _, x := range p {
		sum += x
		if x < 0.01-1e-12 || x > 0.99+1e-12 {
			t.Fatalf("out of clamp: %v", p)
		}
	}
	if math.Abs(sum-1) > 1e-12 || math.Abs(p[1]-0.96) > 1e-12 {
		t.Fatalf("p=%v sum=%v, want top 0.96", p, sum)
	}
	// Nothing to clamp: plain softmax.
	p = posterior([nRoles]float64{0, 0, 0, 0, 0}, 0.01, 0.99)
	for _, x := range p {
		if math.Abs(x-0.2) > 1e-12 {
			t.Fatalf("uniform: %v", p)
		}
	}
	// A ceiling that binds: two roles.
	p = posterior([nRoles]float64{10, -40, -40, -40, -40}, 0, 0.9)
	if math.Abs(p[0]-0.9) > 1e-12 || math.Abs(p[1]-0.025) > 1e-9 {
		t.Fatalf("ceiling: %v", p)
	}
}

func TestWordsEdges(t *testing.T) {
	for _, c := range []struct {
		p    float64
		want string
	}{
		{0, "almost no chance"}, {0.0499, "almost no chance"}, {0.05, "very unlikely"}, {0.1999, "very unlikely"},
		{0.20, "unlikely"}, {0.4499, "unlikely"}, {0.45, "roughly even chance"}, {0.55, "roughly even chance"},
		{0.5501, "likely"}, {0.80, "likely"}, {0.8001, "very likely"}, {0.95, "very likely"}, {0.9501, "almost certain"}, {1, "almost certain"},
	} {
		if got := Words(c.p); got != c.want {
			t.Errorf("Words(%v) = %q, want %q", c.p, got, c.want)
		}
	}
}

func TestConfidence(t *testing.T) {
	sup := familyView{nats: [nRoles]float64{0, 2, 0, 0, 0}, rho: 0.7, diag: true}
	weak := familyView{nats: [nRoles]float64{0, 2, 0, 0, 0}, rho: 0.5, diag: true}
	contra := familyView{nats: [nRoles]float64{1.2, 0.1, 0, 0, 0}, rho: 0.9, diag: true}
	mild := familyView{nats: [nRoles]float64{0.9, 0, 0, 0, 0}, rho: 0.9, diag: true}
	grey := familyView{rho: 1}
	for _, c := range []struct {
		fams []familyView
		want string
	}{
		{[]familyView{sup, sup, sup}, "high"},
		{[]familyView{sup, sup, sup, mild, grey}, "high"},
		{[]familyView{sup, sup, sup, contra}, "moderate"},
		{[]familyView{sup, sup}, "moderate"},
		{[]familyView{sup, sup, contra}, "low"},
		{[]familyView{sup, sup, weak}, "moderate"},
		{[]familyView{sup}, "low"},
		{nil, "low"},
	} {
		if got := confidence(1, c.fams, 0.6, 1); got != c.want {
			t.Errorf("confidence(%v) = %s, want %s", c.fams, got, c.want)
		}
	}
}

func TestCollateral(t *testing.T) {
	if got := collateral([nRoles]float64{0.1, 0.2, 0.3, 0.15, 0.25}); math.Abs(got-0.65) > 1e-12 {
		t.Fatal(got)
	}
}

// Adding a non-diagnostic factor (λ = 1 for every role) changes nothing.
func TestNonDiagnosticChangesNothing(t *testing.T) {
	r, _ := DefaultModel().resolve()
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 2000; i++ {
		var cs []contribution
		for k := rng.IntN(6); k >= 0; k-- {
			cs = append(cs, newContribution(&r.spec[rng.IntN(nFactors-1)], rng.Float64(), r.lnClip))
		}
		s1, _ := combine(r.lnPrior, cs)
		grey := newContribution(&r.spec[fCountry], rng.Float64(), r.lnClip)
		at := rng.IntN(len(cs) + 1)
		cs2 := append(append(append([]contribution{}, cs[:at]...), grey), cs[at:]...)
		s2, _ := combine(r.lnPrior, cs2)
		if s1 != s2 || posterior(s1, .01, .99) != posterior(s2, .01, .99) {
			t.Fatalf("non-diagnostic factor changed %v → %v", s1, s2)
		}
	}
	// And end to end: a country observation leaves the judgement as it was.
	c := newCase()
	scenarioTor(c)
	before := c.assess(t)
	c.city("130.83.47.11", "DE", 49.87, 8.65, 20)
	after := c.assess(t)
	if find(t, before, "130.83.47.11").Hypotheses != find(t, after, "130.83.47.11").Hypotheses {
		t.Fatal("country changed the posterior")
	}
}

func TestRecommendationsAreLawful(t *testing.T) {
	for _, build := range []func(*caseBuilder){scenarioTor} {
		c := newCase()
		build(c)
		for _, s := range c.assess(t).Sources {
			low := strings.ToLower(s.Recommendation)
			for _, bad := range []string{"take down", "takedown", "strike back", "hack back", "attack it", "attack the", "disable the", "counter"} {
				if strings.Contains(low, bad) {
					t.Errorf("%s: recommendation %q contains %q", s.Indicator, s.Recommendation, bad)
				}
			}
			if !strings.Contains(low, "own perimeter") {
				t.Errorf("%s: no perimeter advice: %q", s.Indicator, s.Recommendation)
			}
		}
	}
}
