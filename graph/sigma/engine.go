package sigma

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/casefile/casefile/evidence/parse"
)

// MaxCites is how many events a detection cites by name; Detection.Events
// counts them all.
const MaxCites = 5

// maxGroups bounds the groups an aggregate rule keeps per run; events of
// further groups are counted in Run.Dropped, never silently.
const maxGroups = 1 << 20

// Engine is a compiled rule set. It is safe for concurrent use; each
// assessment uses its own Run.
type Engine struct {
	rules  []*Rule
	fields []string
	acc    []accessor
	digest string
	name   string
	// Aggregate rules with the same "by" fields share one group lookup per
	// event: sig[i] numbers rule i's by-list (−1: no aggregation), slot[i]
	// is its place among the rules of that list, width[s] their number.
	sig, slot, width []int
}

// layout fills sig, slot and width.
func (e *Engine) layout() {
	idx := map[string]int{}
	e.sig, e.slot, e.width = make([]int, len(e.rules)), make([]int, len(e.rules)), nil
	for i, r := range e.rules {
		e.sig[i] = -1
		if r.agg == nil {
			continue
		}
		k := strings.Join(r.agg.by, "\x00")
		s, ok := idx[k]
		if !ok {
			s = len(e.width)
			idx[k] = s
			e.width = append(e.width, 0)
		}
		e.sig[i], e.slot[i] = s, e.width[s]
		e.width[s]++
	}
}

// Source is one rule file, for New.
type Source struct {
	Name string
	Data []byte
}

// New compiles rule files into an engine. Rules keep the order of the
// files and of the documents in them; two rules with one id are an error.
func New(name string, files []Source) (*Engine, error) {
	e := &Engine{name: name}
	h := sha256.New()
	ids := map[string]string{}
	idx := map[string]int{}
	for _, f := range files {
		rs, err := Parse(f.Name, f.Data)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(h, "%d:%s\n%d:", len(f.Name), f.Name, len(f.Data))
		h.Write(f.Data)
		for _, r := range rs {
			if prev, dup := ids[r.ID]; dup {
				return nil, &Error{File: r.File, Line: r.Line, Msg: fmt.Sprintf("rule id %q already used by %s", r.ID, prev)}
			}
			ids[r.ID] = fmt.Sprintf("%s:%d", r.File, r.Line)
			field := func(n string) int {
				i, ok := idx[n]
				if !ok {
					i = len(e.fields)
					idx[n] = i
					e.fields = append(e.fields, n)
					e.acc = append(e.acc, accessorFor(n))
				}
				return i
			}
			walk(r.cond, func(f *fieldMatch) { f.idx = field(f.name) })
			if a := r.agg; a != nil {
				a.byIdx = a.byIdx[:0]
				for _, b := range a.by {
					a.byIdx = append(a.byIdx, field(b))
				}
				if a.distinct != "" {
					a.dIdx = field(a.distinct)
				}
				if a.fn == "beacon" {
					if !slices.Contains(a.by, "dst") {
						return nil, &Error{File: r.File, Line: r.Line, Msg: "beacon() must be grouped by dst (and usually src)"}
					}
				}
			}
			e.rules = append(e.rules, r)
		}
	}
	e.digest = "sha256:" + hex.EncodeToString(h.Sum(nil))
	e.layout()
	return e, nil
}

// Rules returns the compiled rules.
func (e *Engine) Rules() []*Rule { return slices.Clone(e.rules) }

// Digest is the SHA-256 over every rule file's name and bytes, in order.
func (e *Engine) Digest() string { return e.digest }

// Name says what the rule set is ("casefile-rules/1", "casefile-rules/1 + /path").
func (e *Engine) Name() string { return e.name }

// Join returns an engine with the rules of e followed by those of o (the
// built-in set and the user's). The digest covers both.
func (e *Engine) Join(o *Engine) (*Engine, error) {
	if o == nil {
		return e, nil
	}
	ids := map[string]*Rule{}
	for _, r := range e.rules {
		ids[r.ID] = r
	}
	for _, r := range o.rules {
		if p, dup := ids[r.ID]; dup {
			return nil, &Error{File: r.File, Line: r.Line, Msg: fmt.Sprintf("rule id %q already used by %s:%d", r.ID, p.File, p.Line)}
		}
	}
	j := &Engine{name: e.name + " + " + o.name}
	// Rules share no state with their engine but the field indices, so the
	// joined engine recompiles them by reference into one field table.
	idx := map[string]int{}
	field := func(n string) int {
		i, ok := idx[n]
		if !ok {
			i = len(j.fields)
			idx[n] = i
			j.fields = append(j.fields, n)
			j.acc = append(j.acc, accessorFor(n))
		}
		return i
	}
	for _, src := range [][]*Rule{e.rules, o.rules} {
		for _, r := range src {
			c := *r
			c.cond = remap(r.cond, field)
			if r.agg != nil {
				a := *r.agg
				a.byIdx = nil
				for _, b := range a.by {
					a.byIdx = append(a.byIdx, field(b))
				}
				if a.distinct != "" {
					a.dIdx = field(a.distinct)
				}
				c.agg = &a
			}
			j.rules = append(j.rules, &c)
		}
	}
	s := sha256.Sum256([]byte(e.digest + "\n" + o.digest))
	j.digest = "sha256:" + hex.EncodeToString(s[:])
	j.layout()
	return j, nil
}

// remap copies a condition tree with field indices from field.
func remap(n node, field func(string) int) node {
	switch x := n.(type) {
	case andNode:
		out := make(andNode, len(x))
		for i, c := range x {
			out[i] = remap(c, field)
		}
		return out
	case orNode:
		out := make(orNode, len(x))
		for i, c := range x {
			out[i] = remap(c, field)
		}
		return out
	case notNode:
		return notNode{remap(x.n, field)}
	case *quantNode:
		q := &quantNode{all: x.all, of: make([]node, len(x.of))}
		for i, c := range x.of {
			q.of[i] = remap(c, field)
		}
		return q
	case *fieldMatch:
		f := *x
		f.idx = field(f.name)
		return &f
	}
	return n
}

// Detection is an aggregate rule that fired for one group.
type Detection struct {
	Rule *Rule
	// Group holds the values of the rule's "by" fields, by Casefile field
	// name ("src", "dst", …).
	Group map[string]string
	// Count is the figure compared in the condition: events (count()),
	// distinct values (count(field)) or regular contacts (beacon()).
	Count int64
	// Events is how many events of the group the rule counted; Cites
	// names the first few of the window that fired.
	Events      int64
	First, Last time.Time
	Cites       []parse.Citation
	// Interval is the median interval between contacts (beacon()).
	Interval time.Duration
}

// Run evaluates an engine over a stream of events. It is not safe for
// concurrent use.
//
// Aggregate rules remember the events they matched: each event once per
// run (time and citation, about 32 bytes), and per rule and group its index
// (4 bytes, and 4 more for count(field)).
type Run struct {
	e       *Engine
	c       *evalCtx
	sets    []map[string][]*group // per by-list: key → a group per rule (Engine.slot)
	memo    [][]*group            // per by-list: the current event's groups
	memoEp  []uint32
	strs    map[string]uint32 // artefacts and distinct values, interned
	strList []string
	key     []byte
	ts      []int64 // remembered events: time (Unix ns, 0 = none) and citation
	cites   []cite
	cur     int64 // index of the current event in ts, or -1 when not yet remembered
	// Dropped counts events of aggregate rules beyond maxGroups groups.
	Dropped int64
}

type group struct {
	vals []string // values of the rule's by fields
	ev   []uint32 // indices into Run.ts and Run.cites
	dv   []uint32 // distinct-value ids, for count(field)
}

type cite struct {
	art       uint32
	line, rec int64
}

// Start begins a run.
func (e *Engine) Start() *Run {
	r := &Run{e: e, c: newEvalCtx(e.acc), strs: map[string]uint32{},
		sets: make([]map[string][]*group, len(e.width)), memo: make([][]*group, len(e.width)), memoEp: make([]uint32, len(e.width))}
	for s := range r.sets {
		r.sets[s] = map[string][]*group{}
	}
	return r
}

// Match evaluates every rule on one event. For each rule without an
// aggregation that matches, hit is called; aggregate rules remember the
// event for Finish.
func (r *Run) Match(ev *parse.Event, hit func(*Rule)) {
	r.c.reset(ev)
	if r.c.epoch == 1 { // first event, or the epoch wrapped: no memo is current
		clear(r.memoEp)
	}
	r.cur = -1
	parser := parserName(ev)
	for i, rule := range r.e.rules {
		if !rule.src.ok(ev, parser) || !rule.cond.eval(r.c) {
			continue
		}
		if rule.agg == nil {
			hit(rule)
			continue
		}
		r.remember(i, rule.agg, ev)
	}
}

func (r *Run) remember(i int, a *aggregation, ev *parse.Event) {
	if ev.Time.IsZero() && a.window > 0 || ev.Time.IsZero() && a.fn == "beacon" {
		return // cannot be placed in a window
	}
	sig := r.e.sig[i]
	slots := r.memo[sig]
	if r.memoEp[sig] != r.c.epoch {
		key := r.key[:0]
		for _, fi := range a.byIdx {
			key = append(key, r.c.raw(fi)...)
			key = append(key, 0)
		}
		r.key = key
		gs := r.sets[sig]
		var ok bool
		if slots, ok = gs[string(key)]; !ok {
			if len(gs) >= maxGroups {
				r.Dropped++
				return
			}
			slots = make([]*group, r.e.width[sig])
			gs[string(key)] = slots
		}
		r.memo[sig], r.memoEp[sig] = slots, r.c.epoch
	}
	g := slots[r.e.slot[i]]
	if g == nil {
		g = &group{vals: make([]string, len(a.byIdx))}
		for k, fi := range a.byIdx {
			g.vals[k] = r.c.raw(fi)
		}
		slots[r.e.slot[i]] = g
	}
	if r.cur < 0 {
		r.cur = int64(len(r.ts))
		var t int64
		if !ev.Time.IsZero() {
			t = ev.Time.UnixNano()
		}
		r.ts = append(r.ts, t)
		r.cites = append(r.cites, cite{art: r.intern(ev.Citation.Artefact), line: ev.Citation.Line, rec: ev.Citation.Record})
	}
	g.ev = append(g.ev, uint32(r.cur))
	if a.distinct != "" {
		g.dv = append(g.dv, r.intern(r.c.raw(a.dIdx)))
	}
}

func (r *Run) intern(s string) uint32 {
	i, ok := r.strs[s]
	if !ok {
		i = uint32(len(r.strList))
		r.strs[s] = i
		r.strList = append(r.strList, s)
	}
	return i
}

// Finish evaluates the aggregate rules over what the run remembered, in a
// stable order (rule, then group).
func (r *Run) Finish() []Detection {
	var out []Detection
	keys := make([][]string, len(r.sets))
	for s, gs := range r.sets {
		for k := range gs {
			keys[s] = append(keys[s], k)
		}
		sort.Strings(keys[s])
	}
	for i, rule := range r.e.rules {
		s := r.e.sig[i]
		if s < 0 {
			continue
		}
		for _, k := range keys[s] {
			if g := r.sets[s][k][r.e.slot[i]]; g != nil {
				if d, ok := r.evalGroup(rule, g); ok {
					out = append(out, d)
				}
			}
		}
	}
	return out
}

func groupMap(a *aggregation, g *group) map[string]string {
	m := make(map[string]string, len(a.by))
	for k, b := range a.by {
		m[b] = g.vals[k]
	}
	return m
}

func (r *Run) evalGroup(rule *Rule, g *group) (Detection, bool) {
	a := rule.agg
	// No window holds more events (or distinct values, or contacts) than
	// the group: a group too small for "> N" or ">= N" cannot fire.
	if (a.op == ">" || a.op == ">=") && !a.fires(int64(len(g.ev))) {
		return Detection{}, false
	}
	ts := make([]int64, len(g.ev)) // the group's event times, in match order
	for k, e := range g.ev {
		ts[k] = r.ts[e]
	}
	order := make([]int, len(ts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(ts[x], ts[y]) })
	if a.fn == "beacon" {
		return r.beacon(rule, g, ts, order)
	}
	w := int64(a.window)
	if w == 0 {
		w = math.MaxInt64
	}
	// Sliding window: the window [lo, hi] with the largest figure.
	var counts map[uint32]int
	if a.distinct != "" {
		counts = map[uint32]int{}
	}
	best, bestLo, bestHi := int64(-1), 0, 0
	lo := 0
	for hi := range order {
		if a.distinct != "" {
			counts[g.dv[order[hi]]]++
		}
		for ts[order[hi]]-ts[order[lo]] > w-1 && w != math.MaxInt64 {
			if a.distinct != "" {
				v := g.dv[order[lo]]
				if counts[v]--; counts[v] == 0 {
					delete(counts, v)
				}
			}
			lo++
		}
		n := int64(hi - lo + 1)
		if a.distinct != "" {
			n = int64(len(counts))
		}
		if n > best {
			best, bestLo, bestHi = n, lo, hi
		}
	}
	if best < 0 || !a.fires(best) {
		return Detection{}, false
	}
	d := Detection{Rule: rule, Group: groupMap(a, g), Count: best, Events: int64(len(order)),
		First: time.Unix(0, ts[order[bestLo]]).UTC(), Last: time.Unix(0, ts[order[bestHi]]).UTC()}
	for k := bestLo; k <= bestHi && len(d.Cites) < MaxCites; k++ {
		d.Cites = append(d.Cites, r.citation(g.ev[order[k]]))
	}
	if w == math.MaxInt64 && ts[order[0]] == 0 {
		d.First, d.Last = time.Time{}, time.Time{}
	}
	return d, true
}

// beacon finds regular contacts: at least N events whose intervals (after
// dropping those shorter than min_interval, which are bursts of one contact)
// have a median m and a median absolute deviation at most jitter × m.
func (r *Run) beacon(rule *Rule, g *group, ts []int64, order []int) (Detection, bool) {
	a := rule.agg
	var iv []int64
	kept := []int{order[0]}
	for k := 1; k < len(order); k++ {
		d := ts[order[k]] - ts[kept[len(kept)-1]]
		if d < int64(rule.minIv) {
			continue
		}
		iv = append(iv, d)
		kept = append(kept, order[k])
	}
	n := int64(len(kept))
	if !a.fires(n) || len(iv) < 2 {
		return Detection{}, false
	}
	med := median(iv)
	dev := make([]int64, len(iv))
	for i, x := range iv {
		dev[i] = abs(x - med)
	}
	if float64(median(dev)) > rule.jit*float64(med) {
		return Detection{}, false
	}
	d := Detection{Rule: rule, Group: groupMap(a, g), Count: n, Events: int64(len(order)), Interval: time.Duration(med),
		First: time.Unix(0, ts[kept[0]]).UTC(), Last: time.Unix(0, ts[kept[len(kept)-1]]).UTC()}
	for _, k := range kept {
		if len(d.Cites) == MaxCites {
			break
		}
		d.Cites = append(d.Cites, r.citation(g.ev[k]))
	}
	return d, true
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

func (r *Run) citation(ev uint32) parse.Citation {
	c := r.cites[ev]
	return parse.Citation{Artefact: r.strList[c.art], Line: c.line, Record: c.rec}
}

// Summary says what the detection counted, in words: "12 events within
// 10m", "7 distinct user within 1d", "10 regular contacts about every 1m0s".
func (d *Detection) Summary() string {
	a := d.Rule.agg
	var s string
	switch {
	case a.fn == "beacon":
		return fmt.Sprintf("%d regular contacts about every %s", d.Count, d.Interval.Round(time.Second))
	case a.distinct != "":
		s = fmt.Sprintf("%d distinct %s", d.Count, a.distinct)
	default:
		s = fmt.Sprintf("%d events", d.Count)
	}
	if a.window > 0 {
		s += " within " + a.window.String()
	}
	return s
}
