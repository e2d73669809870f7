package scenario

import (
	"math"
	"slices"
)

// PRF is precision, recall and F1 for one role, with its support (the
// number of sources whose true role it is).
type PRF struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}

// Metrics scores predicted roles against the truth.
//
// Brier is the standard multi-class Brier score (Brier 1950): for each
// source, Σ over the five roles of (p − y)², y being 1 for the true role and
// 0 otherwise, averaged over sources. It ranges from 0 (certain and right)
// to 2 (certain and wrong); a uniform guess over five roles scores 0.8.
// BrierPerClass is the same divided by the number of roles (5), ranging
// over [0, 0.4]; it is reported because some tools normalise that way, but
// targets (the "Brier ≤ 0.10") are stated on Brier, the stricter
// of the two. Probabilities are used as given, not renormalised (the model
// clamps its posteriors to [0.01, 0.99]); a role missing from a prediction
// has probability 0.
//
// LogLoss is the mean of −ln p(true role), with p clipped to [1e-6, 1].
//
// A source of the truth without any prediction counts as predicted role
// "(none)" with every probability 0. Sources predicted but absent from the
// truth are ignored.
type Metrics struct {
	PerRole       map[string]PRF            `json:"per_role"`
	MacroF1       float64                   `json:"macro_f1"`
	Brier         float64                   `json:"brier"`
	BrierPerClass float64                   `json:"brier_per_class"`
	LogLoss       float64                   `json:"log_loss"`
	N             int                       `json:"n"`
	Confusion     map[string]map[string]int `json:"confusion"` // true role → predicted role → count
}

// NoPrediction is the predicted role of a source without a prediction.
const NoPrediction = "(none)"

const logLossFloor = 1e-6

// Score compares predicted (indicator → role → probability) with truth
// (indicator → role). The predicted role is the argmax, ties broken in the
// order of Roles() (then by name for roles outside it). Macro-F1 averages
// F1 over every role present in the truth or among the predicted roles.
func Score(truth map[string]string, predicted map[string]map[string]float64) Metrics {
	return ScoreStated(truth, nil, predicted)
}

// ScoreStated is Score where the predicted role of a source is the role the
// assessment states (stated[indicator], e.g. attrib.Source.Role), which may
// differ from the argmax of its probabilities — an assessment may say
// "undetermined" when the evidence does not favour its most probable role.
// A source without a stated role falls back to the argmax. Brier and
// log-loss use the probabilities either way.
func ScoreStated(truth, stated map[string]string, predicted map[string]map[string]float64) Metrics {
	m := Metrics{Confusion: map[string]map[string]int{}}
	var brier, ll float64
	for ind, want := range truth {
		p, ok := predicted[ind]
		got := NoPrediction
		if ok {
			got = argmax(p)
			if r := stated[ind]; r != "" {
				got = r
			}
		}
		if m.Confusion[want] == nil {
			m.Confusion[want] = map[string]int{}
		}
		m.Confusion[want][got]++
		brier += brierOne(want, p)
		ll += -math.Log(min(max(p[want], logLossFloor), 1))
		m.N++
	}
	if m.N > 0 {
		m.Brier = brier / float64(m.N)
		m.LogLoss = ll / float64(m.N)
	}
	m.finish()
	return m
}

// brierOne is Σ over the five roles, and any other role named in p, of
// (p − y)².
func brierOne(want string, p map[string]float64) float64 {
	var s float64
	seen := map[string]bool{}
	for _, r := range Roles() {
		y := 0.0
		if r == want {
			y = 1
		}
		d := p[r] - y
		s += d * d
		seen[r] = true
	}
	if !seen[want] { // a truth role outside the canonical five
		d := p[want] - 1
		s += d * d
		seen[want] = true
	}
	for r, v := range p {
		if !seen[r] {
			s += v * v
		}
	}
	return s
}

func argmax(p map[string]float64) string {
	best, bestP := NoPrediction, math.Inf(-1)
	for _, r := range Roles() {
		if v, ok := p[r]; ok && v > bestP {
			best, bestP = r, v
		}
	}
	others := make([]string, 0)
	for r := range p {
		if !slices.Contains(Roles(), r) {
			others = append(others, r)
		}
	}
	slices.Sort(others)
	for _, r := range others {
		if p[r] > bestP {
			best, bestP = r, p[r]
		}
	}
	return best
}

// finish derives PerRole, MacroF1 and BrierPerClass from Confusion, N and
// Brier.
func (m *Metrics) finish() {
	m.BrierPerClass = m.Brier / float64(len(Roles()))
	roles := map[string]bool{}
	for want, row := range m.Confusion {
		roles[want] = true
		for got := range row {
			if got != NoPrediction {
				roles[got] = true
			}
		}
	}
	m.PerRole = map[string]PRF{}
	var sum float64
	for r := range roles {
		var tp, fp, fn int
		for want, row := range m.Confusion {
			for got, n := range row {
				switch {
				case want == r && got == r:
					tp += n
				case got == r:
					fp += n
				case want == r:
					fn += n
				}
			}
		}
		var prf PRF
		prf.Support = tp + fn
		if tp+fp > 0 {
			prf.Precision = float64(tp) / float64(tp+fp)
		}
		if tp+fn > 0 {
			prf.Recall = float64(tp) / float64(tp+fn)
		}
		if prf.Precision+prf.Recall > 0 {
			prf.F1 = 2 * prf.Precision * prf.Recall / (prf.Precision + prf.Recall)
		}
		m.PerRole[r] = prf
		sum += prf.F1
	}
	if len(roles) > 0 {
		m.MacroF1 = sum / float64(len(roles))
	}
}

// Merge pools the sources of several runs: confusion counts add up, Brier
// and log-loss are averaged over all sources (weighted by N), and
// precision, recall and macro-F1 are recomputed from the pooled counts (not
// averaged over runs).
func Merge(ms ...Metrics) Metrics {
	out := Metrics{Confusion: map[string]map[string]int{}}
	var brier, ll float64
	for _, m := range ms {
		for want, row := range m.Confusion {
			if out.Confusion[want] == nil {
				out.Confusion[want] = map[string]int{}
			}
			for got, n := range row {
				out.Confusion[want][got] += n
			}
		}
		brier += m.Brier * float64(m.N)
		ll += m.LogLoss * float64(m.N)
		out.N += m.N
	}
	if out.N > 0 {
		out.Brier = brier / float64(out.N)
		out.LogLoss = ll / float64(out.N)
	}
	out.finish()
	return out
}
