package attrib

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Sample is one assessed source with its true role: the factors that
// entered its combination and their discounts ρ, so that other λ values can
// be scored without reading the case again (ρ does not depend on λ).
type Sample struct {
	Truth   string
	Weight  float64
	Factors []SampleFactor
}

// SampleFactor is one factor of a sample.
type SampleFactor struct {
	ID  string
	Rho float64
}

// SamplesOf turns the assessed sources named in truth (indicator → role)
// into samples, each of the given weight.
func SamplesOf(res *Result, truth map[string]string, weight float64) []Sample {
	var out []Sample
	for _, s := range res.Sources {
		role, ok := truth[s.Indicator]
		if !ok || !IsRole(s.Role) || !IsRole(role) {
			continue
		}
		sm := Sample{Truth: role, Weight: weight}
		for _, f := range s.Factors {
			sm.Factors = append(sm.Factors, SampleFactor{f.ID, f.Rho})
		}
		out = append(out, sm)
	}
	return out
}

// FitOptions control Fit. Zero values mean the defaults.
type FitOptions struct {
	// Penalty weighs Σ (ln λ − ln λ₀)² over the fitted values against the
	// mean Brier score, keeping λ near the starting model (default 0.002).
	Penalty float64
	// MaxRatio bounds every fitted λ to [1/MaxRatio, MaxRatio], or to its
	// starting value when that lies further out (default 50).
	MaxRatio float64
	// Iterations of projected gradient descent (default 400).
	Iterations int
}

// FitReport says what Fit changed.
type FitReport struct {
	Samples       int      `json:"samples"`
	Distinct      int      `json:"distinct"` // samples after merging identical ones
	BrierBefore   float64  `json:"brier_before"`
	BrierAfter    float64  `json:"brier_after"`
	LogLossBefore float64  `json:"log_loss_before"`
	LogLossAfter  float64  `json:"log_loss_after"`
	Changes       []Change `json:"changes"`
	// Support counts, per factor id, the samples (before merging) the
	// factor entered: a factor with no support keeps its starting λ.
	Support map[string]int `json:"support"`
}

// Change is one λ that Fit moved.
type Change struct {
	Factor string  `json:"factor"`
	Role   string  `json:"role"`
	From   float64 `json:"from"`
	To     float64 `json:"to"`
}

// Fit calibrates the likelihood ratios of m on labelled samples: it returns
// a copy of m whose λ values minimise the weighted mean multi-class Brier
// score of the samples plus Penalty × Σ (ln λ − ln λ₀)², λ₀ being m's
// values. The arithmetic is Assess's own (families, clipping, discounting,
// clamping). What the factor table says about direction is kept: a λ above
// 1 stays at or above 1, one below stays at or below, and a λ of exactly 1
// (the table's "not diagnostic for this role") is not fitted. Priors,
// reliabilities, half-lives and thresholds are left as they are.
//
// Samples from generated scenarios teach the model the generator; fit on
// many seeds of every scenario and evaluate on seeds not used for fitting.
func Fit(m *Model, samples []Sample, o FitOptions) (*Model, *FitReport, error) {
	if o.Penalty == 0 {
		o.Penalty = 0.002
	}
	if o.MaxRatio == 0 {
		o.MaxRatio = 50
	}
	if o.Iterations == 0 {
		o.Iterations = 400
	}
	if o.Penalty < 0 || o.MaxRatio <= 1 || o.Iterations < 0 {
		return nil, nil, errors.New("fit: penalty must be ≥ 0, max ratio > 1, iterations ≥ 0")
	}
	r, err := m.resolve()
	if err != nil {
		return nil, nil, err
	}
	p, err := newProblem(r, samples)
	if err != nil {
		return nil, nil, err
	}
	rep := &FitReport{Samples: len(samples), Distinct: len(p.samples), Support: map[string]int{}}
	for _, s := range samples {
		for _, f := range s.Factors {
			rep.Support[f.ID]++
		}
	}
	theta0 := p.theta()
	rep.BrierBefore, rep.LogLossBefore = p.score(theta0)
	theta := p.descend(theta0, o)
	rep.BrierAfter, rep.LogLossAfter = p.score(theta)

	out := m.clone()
	for k, par := range p.params {
		f := out.Factors[factorOrder[par.factor]]
		v, _ := strconv.ParseFloat(strconv.FormatFloat(math.Exp(theta[k]), 'g', 3, 64), 64)
		if v == f.Lambda[roleNames[par.role]] {
			continue
		}
		rep.Changes = append(rep.Changes, Change{factorOrder[par.factor], roleNames[par.role], f.Lambda[roleNames[par.role]], v})
		f.Lambda[roleNames[par.role]] = v
	}
	if err := out.validate(); err != nil {
		return nil, nil, fmt.Errorf("fit: %w", err)
	}
	return out, rep, nil
}

// clone copies m deeply enough that its factor rows can be changed.
func (m *Model) clone() *Model {
	c := *m
	c.Factors = make(map[string]FactorSpec, len(m.Factors))
	for id, f := range m.Factors {
		f.Lambda = maps.Clone(f.Lambda)
		c.Factors[id] = f
	}
	return &c
}

// param is one fitted λ: factor index and role index, and the side of 1 it
// must stay on.
type param struct {
	factor, role int
	sign         float64 // +1: ln λ ≥ 0; −1: ln λ ≤ 0
	start        float64 // ln λ₀
}

// fitSample is a distinct sample: its truth, summed weight and factors.
type fitSample struct {
	truth   int
	weight  float64
	factors []int
	rhos    []float64
}

type problem struct {
	r       *resolved
	params  []param
	index   [nFactors][nDiag]int // param index, or −1
	samples []fitSample
	total   float64
}

func newProblem(r *resolved, samples []Sample) (*problem, error) {
	p := &problem{r: r}
	for i := range nFactors {
		for j := range nDiag {
			p.index[i][j] = -1
			l := r.spec[i].lambda[j]
			if l == 1 {
				continue
			}
			sign := 1.0
			if l < 1 {
				sign = -1
			}
			p.index[i][j] = len(p.params)
			p.params = append(p.params, param{i, j, sign, math.Log(l)})
		}
	}
	byKey := map[string]int{}
	for _, s := range samples {
		truth := slices.Index(roleNames[:], s.Truth)
		if truth < 0 {
			return nil, fmt.Errorf("fit: unknown role %q", s.Truth)
		}
		if s.Weight <= 0 {
			continue
		}
		fs := fitSample{truth: truth}
		var key strings.Builder
		key.WriteString(s.Truth)
		for _, f := range s.Factors {
			i := slices.Index(factorOrder[:], f.ID)
			if i < 0 {
				return nil, fmt.Errorf("fit: unknown factor %q", f.ID)
			}
			rho := math.Round(f.Rho*1000) / 1000
			fs.factors = append(fs.factors, i)
			fs.rhos = append(fs.rhos, rho)
			fmt.Fprintf(&key, "|%d:%g", i, rho)
		}
		if k, ok := byKey[key.String()]; ok {
			p.samples[k].weight += s.Weight
		} else {
			byKey[key.String()] = len(p.samples)
			fs.weight = s.Weight
			p.samples = append(p.samples, fs)
		}
		p.total += s.Weight
	}
	if p.total == 0 {
		return nil, errors.New("fit: no samples")
	}
	return p, nil
}

func (p *problem) theta() []float64 {
	t := make([]float64, len(p.params))
	for k, par := range p.params {
		t[k] = par.start
	}
	return t
}

// score returns the weighted mean Brier score and log-loss under theta.
func (p *problem) score(theta []float64) (brier, logLoss float64) {
	var cs []contribution
	for _, s := range p.samples {
		cs = cs[:0]
		for n, fi := range s.factors {
			rf := p.r.spec[fi]
			for j := range nDiag {
				if k := p.index[fi][j]; k >= 0 {
					rf.lambda[j] = math.Exp(theta[k])
				}
			}
			cs = append(cs, newContribution(&rf, s.rhos[n], p.r.lnClip))
		}
		sc, _ := combine(p.r.lnPrior, cs)
		post := posterior(sc, p.r.m.Clamp.Min, p.r.m.Clamp.Max)
		b := 0.0
		for i, v := range post {
			y := 0.0
			if i == s.truth {
				y = 1
			}
			b += (v - y) * (v - y)
		}
		brier += s.weight * b
		logLoss -= s.weight * math.Log(max(post[s.truth], 1e-6))
	}
	return brier / p.total, logLoss / p.total
}

func (p *problem) objective(theta []float64, penalty float64) float64 {
	b, _ := p.score(theta)
	for k, par := range p.params {
		d := theta[k] - par.start
		b += penalty * d * d
	}
	return b
}

// descend runs projected gradient descent with central differences and an
// adaptive step, keeping every ln λ on its side of 0 and within ±ln MaxRatio.
func (p *problem) descend(theta []float64, o FitOptions) []float64 {
	// A starting value beyond MaxRatio (the Tor exit's 50) bounds its own λ.
	project := func(t []float64) {
		for k, par := range p.params {
			bound := max(math.Log(o.MaxRatio), math.Abs(par.start))
			if par.sign > 0 {
				t[k] = min(max(t[k], 0), bound)
			} else {
				t[k] = max(min(t[k], 0), -bound)
			}
		}
	}
	cur := slices.Clone(theta)
	project(cur)
	f := p.objective(cur, o.Penalty)
	grad := make([]float64, len(cur))
	next := make([]float64, len(cur))
	step := 0.5
	const h = 1e-4
	for range o.Iterations {
		for k := range cur {
			v := cur[k]
			cur[k] = v + h
			up := p.objective(cur, o.Penalty)
			cur[k] = v - h
			down := p.objective(cur, o.Penalty)
			cur[k] = v
			grad[k] = (up - down) / (2 * h)
		}
		norm := 0.0
		for _, g := range grad {
			norm += g * g
		}
		if norm < 1e-14 {
			break
		}
		for {
			for k := range cur {
				next[k] = cur[k] - step*grad[k]/math.Sqrt(norm)
			}
			project(next)
			if fn := p.objective(next, o.Penalty); fn < f {
				copy(cur, next)
				f = fn
				step *= 1.2
				break
			}
			step /= 2
			if step < 1e-6 {
				return cur
			}
		}
	}
	return cur
}
