package sigma

import (
	"math"
	"slices"
	"time"

	"github.com/casefile/casefile/evidence/parse"
)

// groupEval evaluates one aggregate rule over one group, fed the group's
// records in time order (then match order). It holds what the figure
// needs and no more: for count() and count(field) the records of the
// current window (without a timeframe, only the first MaxCites) and the
// distinct values in it; for beacon() the intervals between the
// contacts it kept, 8 bytes each. One is reused for every group.
type groupEval struct {
	rule     *Rule
	g        *group
	skip     bool  // the group is too small to fire
	w        int64 // the window in ns; MaxInt64 without a timeframe
	n        int64 // records fed
	q        []rec // the window: q[head:]
	head     int
	popped   int64 // records dropped from the front of q by compaction
	counts   map[uint32]int
	best     int64 // the largest figure of any window, and that window's
	bestLo   int64 // first record (an index among the records fed),
	first    int64 // its time, the time of its last record,
	last     int64
	cites    []rec // and its first records
	firstT   int64 // the time of the group's first record
	kept     int64 // beacon(): contacts kept, intervals between them
	iv       []int64
	lastKept int64
}

func (e *groupEval) reset(rule *Rule, g *group) {
	a := rule.agg
	*e = groupEval{rule: rule, g: g, q: e.q[:0], counts: e.counts, cites: e.cites[:0], iv: e.iv[:0], best: -1, bestLo: -1}
	clear(e.counts)
	if e.counts == nil && a.distinct != "" {
		e.counts = map[uint32]int{}
	}
	// No window holds more events (or distinct values, or contacts) than
	// the group: a group too small for "> N" or ">= N" cannot fire.
	e.skip = (a.op == ">" || a.op == ">=") && !a.fires(g.n)
	e.w = int64(a.window)
	if e.w == 0 {
		e.w = math.MaxInt64
	}
}

func (e *groupEval) add(x *rec) {
	if e.skip {
		return
	}
	if e.n == 0 {
		e.firstT = x.t
	}
	e.n++
	if e.rule.agg.fn == "beacon" {
		e.contact(x)
		return
	}
	distinct := e.rule.agg.distinct != ""
	if distinct {
		e.counts[x.dv]++
	}
	bounded := e.w != math.MaxInt64
	if bounded || len(e.q) < MaxCites {
		e.q = append(e.q, *x)
	}
	if bounded {
		// Slide the window's start to the first record within w of x.
		for x.t-e.q[e.head].t > e.w-1 {
			if distinct {
				v := e.q[e.head].dv
				if e.counts[v]--; e.counts[v] == 0 {
					delete(e.counts, v)
				}
			}
			e.head++
		}
		if e.head >= 1024 && 2*e.head >= len(e.q) {
			e.popped += int64(e.head)
			e.q = e.q[:copy(e.q, e.q[e.head:])]
			e.head = 0
		}
	}
	n := e.n - e.popped - int64(e.head) // records in the window
	if distinct {
		n = int64(len(e.counts))
	}
	if n > e.best {
		e.best, e.first, e.last = n, e.q[e.head].t, x.t
		// The window's first records change only when its start moved
		// or it had fewer than MaxCites.
		if lo := e.popped + int64(e.head); lo != e.bestLo || len(e.cites) < MaxCites {
			e.bestLo = lo
			e.cites = append(e.cites[:0], e.q[e.head:min(e.head+MaxCites, len(e.q))]...)
		}
	}
}

// contact keeps x unless it comes sooner than min_interval after the last
// contact kept (a burst of that contact).
func (e *groupEval) contact(x *rec) {
	if e.kept > 0 {
		d := x.t - e.lastKept
		if d < int64(e.rule.minIv) {
			return
		}
		e.iv = append(e.iv, d)
	}
	if e.kept == 0 {
		e.first = x.t
	}
	e.kept++
	e.lastKept = x.t
	if len(e.cites) < MaxCites {
		e.cites = append(e.cites, *x)
	}
}

// detection is what the rule found in the group, if it fired.
func (e *groupEval) detection(r *Run) (Detection, bool) {
	a := e.rule.agg
	if e.skip {
		return Detection{}, false
	}
	if a.fn == "beacon" {
		return e.beacon(r)
	}
	if e.best < 0 || !a.fires(e.best) {
		return Detection{}, false
	}
	d := Detection{Rule: e.rule, Group: groupMap(a, e.g), Count: e.best, Events: e.n,
		First: time.Unix(0, e.first).UTC(), Last: time.Unix(0, e.last).UTC(), Cites: r.citations(e.cites)}
	if e.w == math.MaxInt64 && e.firstT == 0 {
		d.First, d.Last = time.Time{}, time.Time{}
	}
	return d, true
}

// beacon finds regular contacts: at least N events whose intervals (after
// dropping those shorter than min_interval, which are bursts of one contact)
// have a median m and a median absolute deviation at most jitter × m.
func (e *groupEval) beacon(r *Run) (Detection, bool) {
	a := e.rule.agg
	if !a.fires(e.kept) || len(e.iv) < 2 {
		return Detection{}, false
	}
	med := median(e.iv)
	dev := make([]int64, len(e.iv))
	for i, x := range e.iv {
		dev[i] = abs(x - med)
	}
	if float64(median(dev)) > e.rule.jit*float64(med) {
		return Detection{}, false
	}
	return Detection{Rule: e.rule, Group: groupMap(a, e.g), Count: e.kept, Events: e.n, Interval: time.Duration(med),
		First: time.Unix(0, e.first).UTC(), Last: time.Unix(0, e.lastKept).UTC(), Cites: r.citations(e.cites)}, true
}

func groupMap(a *aggregation, g *group) map[string]string {
	m := make(map[string]string, len(a.by))
	for k, b := range a.by {
		m[b] = g.vals[k]
	}
	return m
}

func median(xs []int64) int64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func (r *Run) citations(rs []rec) []parse.Citation {
	out := make([]parse.Citation, len(rs))
	for i, x := range rs {
		out[i] = parse.Citation{Artefact: r.strList[x.art], Line: x.line, Record: x.rec}
	}
	return out
}
