package attrib

import (
	"math"
)

// Role names, as used in JSON, UI and exports.
const (
	Perpetrator  = "perpetrator-infrastructure"
	Relay        = "anonymization-relay"
	Compromised  = "compromised-third-party"
	Platform     = "abused-platform"
	Undetermined = "undetermined"
)

const (
	nRoles = 5
	nDiag  = 4 // roles other than the reference class
	rUnd   = 4 // index of undetermined
)

// roleNames is in index order; undetermined is last.
var roleNames = [nRoles]string{Perpetrator, Relay, Compromised, Platform, Undetermined}

// Roles returns the five role names in a fixed order, undetermined last.
func Roles() []string { return append([]string(nil), roleNames[:]...) }

// lambdaEff is the discounted likelihood ratio 1 + ρ(λ − 1). For 0 ≤ ρ ≤ 1
// it lies between 1 and λ, so discounting never flips a factor's direction.
func lambdaEff(lambda, rho float64) float64 {
	return 1 + rho*(lambda-1)
}

// rhoOf combines source reliability, item credibility, staleness and spoofing:
// ρ = reliability × credibility × 2^(−Δ/halflife) × spoof. A zero half-life
// means the data does not go stale.
func rhoOf(reliability, credibility, deltaHours, halfLifeHours, spoof float64) float64 {
	decay := 1.0
	if halfLifeHours > 0 && deltaHours > 0 {
		decay = math.Exp2(-deltaHours / halfLifeHours)
	}
	return reliability * credibility * decay * spoof
}

// contribution is one factor instance entering the combination.
type contribution struct {
	family int
	nats   [nDiag]float64 // clip(ln λeff) per role
	raw    [nDiag]float64 // unclipped |ln λeff|, to rank family members
}

func newContribution(rf *resolvedFactor, rho, lnClip float64) contribution {
	c := contribution{family: rf.family}
	for j := 0; j < nDiag; j++ {
		l := math.Log(lambdaEff(rf.lambda[j], rho))
		c.raw[j] = math.Abs(l)
		c.nats[j] = math.Max(-lnClip, math.Min(lnClip, l))
	}
	return c
}

// combine sums, per family and role, the strongest member's clipped nats onto
// the prior log-odds against undetermined. counted[i][j] reports whether
// contribution i was the one counted for role j. Ties go to the earlier
// contribution.
func combine(lnPrior [nRoles]float64, cs []contribution) (score [nRoles]float64, counted [][nDiag]bool) {
	score = lnPrior
	counted = make([][nDiag]bool, len(cs))
	for j := 0; j < nDiag; j++ {
		for i := range cs {
			best := true
			for k := range cs {
				if k == i || cs[k].family != cs[i].family {
					continue
				}
				if cs[k].raw[j] > cs[i].raw[j] || (cs[k].raw[j] == cs[i].raw[j] && k < i) {
					best = false
					break
				}
			}
			if best {
				counted[i][j] = true
				score[j] += cs[i].nats[j]
			}
		}
	}
	return score, counted
}

// posterior turns scores into probabilities: softmax, then each value is
// clamped to [lo, hi] and the mass taken from or given to the clamped values
// is shared among the others in proportion to their softmax values, repeated
// until none violates the clamp (floors before ceilings, at most
// 2·nRoles rounds). The result sums to 1.
// With five roles and lo = 0.01 the top role can reach at most 1 − 4·lo =
// 0.96, so the floor binds before a 0.99 ceiling can.
func posterior(score [nRoles]float64, lo, hi float64) [nRoles]float64 {
	var p [nRoles]float64
	mx := score[0]
	for _, s := range score[1:] {
		mx = math.Max(mx, s)
	}
	sum := 0.0
	for i, s := range score {
		p[i] = math.Exp(s - mx)
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	var fixed [nRoles]bool
	for round := 0; round < 2*nRoles; round++ {
		fixedMass, freeMass := 0.0, 0.0
		for i := range p {
			if fixed[i] {
				fixedMass += p[i]
			} else {
				freeMass += p[i]
			}
		}
		if freeMass > 0 {
			for i := range p {
				if !fixed[i] {
					p[i] *= (1 - fixedMass) / freeMass
				}
			}
		}
		// Floors first: raising a value takes mass from the others, which
		// may then no longer exceed the ceiling.
		changed := false
		for i := range p {
			if !fixed[i] && p[i] < lo {
				p[i], fixed[i], changed = lo, true, true
			}
		}
		if !changed {
			for i := range p {
				if !fixed[i] && p[i] > hi {
					p[i], fixed[i], changed = hi, true, true
				}
			}
		}
		if !changed {
			break
		}
	}
	return p
}

// Words says a probability in the ICD 203 terms. The bands are symmetric
// around one half: p < .05 almost no chance; .05 ≤ p < .20 very unlikely;
// .20 ≤ p < .45 unlikely; .45 ≤ p ≤ .55 roughly even chance; .55 < p ≤ .80
// likely; .80 < p ≤ .95 very likely; p > .95 almost certain.
func Words(p float64) string {
	switch {
	case p < 0.05:
		return "almost no chance"
	case p < 0.20:
		return "very unlikely"
	case p < 0.45:
		return "unlikely"
	case p <= 0.55:
		return "roughly even chance"
	case p <= 0.80:
		return "likely"
	case p <= 0.95:
		return "very likely"
	default:
		return "almost certain"
	}
}

// familyView is what the confidence rule needs about one family: the nats
// it counted per role and the ρ of its strongest member.
type familyView struct {
	nats [nRoles]float64 // undetermined stays 0
	rho  float64
	diag bool
}

// confidence applies the rule of ATTRIBUTION.md. A family supports the top
// role when its strongest member has ρ ≥ minRho and it favours the top role
// over every other role; it is contrary when it favours another role over
// the top one by more than contrary nats. Three or more supporting families
// give "high", two "moderate", fewer "low"; a contrary family lowers the
// result by one level (high → moderate → low).
func confidence(top int, fams []familyView, minRho, contrary float64) string {
	support, against := 0, false
	for _, f := range fams {
		if !f.diag {
			continue
		}
		favours := true
		for j := 0; j < nRoles; j++ {
			if j == top {
				continue
			}
			if f.nats[j]-f.nats[top] > contrary {
				against = true
			}
			if f.nats[j] >= f.nats[top] {
				favours = false
			}
		}
		if favours && f.rho >= minRho {
			support++
		}
	}
	level := 0
	switch {
	case support >= 3:
		level = 2
	case support == 2:
		level = 1
	}
	if against && level > 0 {
		level--
	}
	return [...]string{"low", "moderate", "high"}[level]
}

// collateral is the probability that the source belongs to someone other
// than the attacker: P(relay) + P(compromised) + P(platform).
func collateral(p [nRoles]float64) float64 {
	return p[1] + p[2] + p[3]
}
