package sigma

import (
	"math"
	"slices"
	"time"

	"github.com/casefile/casefile/evidence/parse"
)

// groupEval evaluates one aggregate rule over one group, fed the group's
// records in time order (then match order) from one cursor while a
// second cursor, lo, reads the same records at the start of the window.
// So it holds no window, only what the figure needs: for count(field) the
// distinct values in the window and their counts, the window's first
// MaxCites records (the citations), and for beacon() the intervals
// between the contacts it kept, 8 bytes each. A group of at most
// maxBuffered records (most groups: a million sources of a hundred
// events each) is instead kept whole as it is fed, and the window's
// start read from there: lo, a second merge of every spilled run, then
// reads only up to the large groups. One is reused for every group.
//
// A stream shared with a rule that counts events without a time holds
// records without one (rec.noTime); a rule that needs a time skips them,
// from both cursors, so its records are counted by the positions among
// those it took (n and taken).
type groupEval struct {
	rule     *Rule
	g        *group
	skip     bool  // the group is too small to fire
	needT    bool  // records without a time are not the rule's
	w        int64 // the window in ns; MaxInt64 without a timeframe
	n        int64 // records fed (and taken)
	taken    int64 // of them, how many lo (or the buffer) gave so far
	lo       *cursor
	newLo    func() *cursor // starts lo, when a group first needs it
	win      []rec          // the window's first records, read from lo
	counts   map[uint32]int
	best     int64 // the largest figure of any window, and that window's
	bestLo   int64 // first record (its place among those taken),
	first    int64 // its time, the time of its last record,
	last     int64
	cites    []rec // and its first records
	firstT   int64 // the time of the group's first record
	kept     int64 // beacon(): contacts kept, intervals between them
	iv       []int64
	lastKept int64
	// The group's records fed so far when it is kept whole (buffered).
	buffered bool
	buf      []rec
}

// maxBuffered is the most records of a group groupEval keeps whole (a
// variable for tests, which set it to 0 to read every window from lo).
var maxBuffered int64 = 1 << 12

// reset starts the group whose first record is at position pos among all
// the records the cursors read.
func (e *groupEval) reset(rule *Rule, g *group, pos int64) {
	a := rule.agg
	*e = groupEval{rule: rule, g: g, lo: e.lo, newLo: e.newLo, win: e.win[:0], counts: e.counts, cites: e.cites[:0], iv: e.iv[:0], best: -1, bestLo: -1,
		buf: e.buf[:0], buffered: g.n <= maxBuffered, needT: needsTime(a)}
	clear(e.counts)
	if e.counts == nil && a.distinct != "" {
		e.counts = map[uint32]int{}
	}
	// No window holds more events (or distinct values, or contacts) than
	// the group: a group too small for "> N" or ">= N" cannot fire.
	e.skip = (a.op == ">" || a.op == ">=") && !a.fires(g.n)
	if !e.buffered && !e.skip {
		if e.lo == nil {
			e.lo = e.newLo()
		}
		for e.lo.n < pos && e.lo.next() != nil { // past the records of earlier groups
		}
	}
	e.w = int64(a.window)
	if e.w == 0 {
		e.w = math.MaxInt64
	}
}

// fill reads from lo the window's first records, up to the last fed.
func (e *groupEval) fill() {
	for len(e.win) < MaxCites && e.taken < e.n {
		if e.buffered {
			e.win = append(e.win, e.buf[e.taken])
			e.taken++
			continue
		}
		x := e.lo.next()
		if x == nil {
			return // lo failed; Finish reports it
		}
		if e.needT && x.noTime {
			continue
		}
		e.win = append(e.win, *x)
		e.taken++
	}
}

func (e *groupEval) add(x *rec) {
	if e.skip || e.needT && x.noTime {
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
	if e.buffered {
		e.buf = append(e.buf, *x)
	}
	distinct := e.rule.agg.distinct != ""
	if distinct {
		e.counts[x.dv]++
	}
	e.fill()
	// Slide the window's start to the first record within w of x.
	for len(e.win) > 0 && e.w != math.MaxInt64 && x.t-e.win[0].t > e.w-1 {
		if distinct {
			v := e.win[0].dv
			if e.counts[v]--; e.counts[v] == 0 {
				delete(e.counts, v)
			}
		}
		e.win = e.win[:copy(e.win, e.win[1:])]
		e.fill()
	}
	if len(e.win) == 0 {
		return // lo failed; Finish reports it
	}
	lo := e.taken - int64(len(e.win)) // the window's first record
	n := e.n - lo
	if distinct {
		n = int64(len(e.counts))
	}
	if n > e.best {
		e.best, e.first, e.last = n, e.win[0].t, x.t
		// The window's first records change only when its start moved
		// or it had fewer than MaxCites.
		if lo != e.bestLo || len(e.cites) < MaxCites {
			e.bestLo = lo
			e.cites = append(e.cites[:0], e.win...)
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
	d := Detection{Rule: e.rule, Group: r.groupMap(a, e.g), Count: e.best, Events: e.n,
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
	for i, x := range e.iv { // the deviations, in place
		e.iv[i] = abs(x - med)
	}
	if float64(median(e.iv)) > e.rule.jit*float64(med) {
		return Detection{}, false
	}
	return Detection{Rule: e.rule, Group: r.groupMap(a, e.g), Count: e.kept, Events: e.n, Interval: time.Duration(med),
		First: time.Unix(0, e.first).UTC(), Last: time.Unix(0, e.lastKept).UTC(), Cites: r.citations(e.cites)}, true
}

func (r *Run) groupMap(a *aggregation, g *group) map[string]string {
	m := make(map[string]string, len(a.by))
	vals := r.sets[r.e.sig[g.rule]].vals(g.row)
	for k, b := range a.by {
		m[b] = vals[k]
	}
	return m
}

// median sorts xs and returns its middle element.
func median(xs []int64) int64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
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
