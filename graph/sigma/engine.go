package sigma

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/maphash"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/casefile/casefile/evidence/parse"
)

// MaxCites is how many events a detection cites by name; Detection.Events
// counts them all.
const MaxCites = 5

// MaxGroups bounds the groups an aggregate rule's by-fields keep per run;
// events of further groups are counted (Run.Dropped), never silently.
const MaxGroups = 1 << 20

// Engine is a compiled rule set. It is safe for concurrent use; each
// assessment uses its own Run.
type Engine struct {
	rules  []*Rule
	fields []string
	acc    []accessor
	digest string
	name   string
	// Aggregate rules that match the same events into the same groups
	// (the same logsource, condition, by-list and distinct field: rules
	// differing only in window or threshold, like the password-guessing
	// rules) share one stream of records, remembered by the first of them
	// (the leader): lead[i] is rule i's leader (−1: no aggregation),
	// members[l] the rules of leader l's stream, in order, and
	// keepNoTime[l] says whether one of them counts events without a time.
	lead       []int
	members    [][]int
	keepNoTime []bool
	// Leaders with the same "by" fields share one group lookup per event:
	// sig[l] numbers leader l's by-list, slot[l] is its place among the
	// leaders of that list, width[s] their number (−1 for other rules:
	// only leaders remember, and a group is numbered by its leader).
	sig, slot, width []int
}

// shareStreams lets rules share records (a variable for the test that
// compares sharing with none).
var shareStreams = true

// needsTime says whether an aggregation can only count events with a
// time: a window places them, beacon() measures their intervals.
func needsTime(a *aggregation) bool { return a.window > 0 || a.fn == "beacon" }

// sameRecords says whether two aggregate rules remember the same records:
// they match the same events (the compiled logsource and condition are
// equal) and group and count them by the same fields.
func sameRecords(x, y *Rule) bool {
	return x.agg.distinct == y.agg.distinct && slices.Equal(x.agg.by, y.agg.by) &&
		reflect.DeepEqual(x.src, y.src) && reflect.DeepEqual(x.cond, y.cond)
}

// layout fills lead, members, keepNoTime, sig, slot and width.
func (e *Engine) layout() {
	n := len(e.rules)
	e.lead, e.members, e.keepNoTime = make([]int, n), make([][]int, n), make([]bool, n)
	var leaders []int
	for i, r := range e.rules {
		e.lead[i] = -1
		if r.agg == nil {
			continue
		}
		e.lead[i] = i
		for _, l := range leaders {
			if shareStreams && sameRecords(e.rules[l], r) {
				e.lead[i] = l
				break
			}
		}
		l := e.lead[i]
		if l == i {
			leaders = append(leaders, i)
		}
		e.members[l] = append(e.members[l], i)
		e.keepNoTime[l] = e.keepNoTime[l] || !needsTime(r.agg)
	}
	idx := map[string]int{}
	e.sig, e.slot, e.width = make([]int, n), make([]int, n), nil
	for i, r := range e.rules {
		e.sig[i], e.slot[i] = -1, -1
		if r.agg == nil || e.lead[i] != i {
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

// Name says what the rule set is ("casefile-rules/2", "casefile-rules/2 + /path").
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
// Aggregate rules remember, per stream (rules that match and group the
// same events share one, Engine.lead) and group, each event they matched:
// its time, citation and distinct value (a record of 48 bytes). Events
// arrive in artefact order, not time order, so the windows can only be
// evaluated at the end. Beyond Budget bytes of records the run sorts them
// and writes them as one run to a temporary file; Finish merges the runs
// and evaluates one group at a time, reading each window's start and end
// through two merges, so it holds no window: only the distinct values of
// one window for count(field), and for beacon() the intervals between one
// group's contacts (8 bytes each). So memory does not grow with the
// number of events; what grows with the groups and strings stays in
// memory: each by-value tuple once in its groupSet, each group's count
// (16 bytes), and the artefact names and distinct values, interned — as
// an assessment keeps its per-source aggregates. SSH guessing from a
// million sources keeps about 230 bytes per source (BenchmarkGroupMemory).
// The file takes about 15 bytes per record.
type Run struct {
	e         *Engine
	c         *evalCtx
	sets      []groupSet // per by-list (Engine.sig)
	memo      []int32    // per by-list: the current event's row
	memoEp    []uint32
	seed      maphash.Seed
	strs      map[string]uint32 // artefacts and distinct values, interned
	strList   []string
	key       []byte
	vals      []string
	groups    []group // by id
	recs      []rec   // records not yet spilled
	cur       rec     // the current event's time and citation, once remembered
	seq       int64   // events matched so far; cur.seq == seq when cur is current
	dropped   []int64 // per rule: events beyond maxGroups groups
	maxGroups int     // MaxGroups; smaller in tests
	sp        spill
	err       error // the first spill failure, returned by Finish

	// Budget bounds the memory of the records in bytes (0: DefaultBudget)
	// and TempDir says where they spill ("": the system's temporary
	// directory). Set them before the first Match.
	Budget  int64
	TempDir string
}

// Start begins a run. Call Finish, or Close to abandon it.
func (e *Engine) Start() *Run {
	r := &Run{e: e, c: newEvalCtx(e.acc), strs: map[string]uint32{}, cur: rec{seq: -1}, dropped: make([]int64, len(e.rules)), maxGroups: MaxGroups,
		sets: make([]groupSet, len(e.width)), memo: make([]int32, len(e.width)), memoEp: make([]uint32, len(e.width)), seed: maphash.MakeSeed()}
	for s, w := range e.width {
		r.sets[s] = newGroupSet(w)
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
	r.seq++
	parser := parserName(ev)
	for i, rule := range r.e.rules {
		if l := r.e.lead[i]; l >= 0 && l != i {
			continue // its leader remembers the event for it
		}
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
	noTime := ev.Time.IsZero()
	if noTime && !r.e.keepNoTime[i] {
		return // no rule of the stream can place it
	}
	sig := r.e.sig[i]
	gs := &r.sets[sig]
	row := r.memo[sig]
	if r.memoEp[sig] != r.c.epoch {
		key := r.key[:0]
		for _, fi := range a.byIdx {
			key = append(key, r.c.raw(fi)...)
			key = append(key, 0)
		}
		r.key = key
		h := maphash.Bytes(r.seed, key)
		if row = gs.find(h, key); row < 0 {
			if gs.rows() >= r.maxGroups {
				for _, m := range r.e.members[i] {
					if !noTime || !needsTime(r.e.rules[m].agg) {
						r.dropped[m]++
					}
				}
				return
			}
			r.vals = r.vals[:0]
			for _, fi := range a.byIdx {
				r.vals = append(r.vals, r.c.raw(fi))
			}
			row = gs.add(h, r.vals)
		}
		r.memo[sig], r.memoEp[sig] = row, r.c.epoch
	}
	slot := &gs.slots[int(row)*gs.width+r.e.slot[i]]
	if *slot == 0 {
		r.groups = append(r.groups, group{row: uint32(row), rule: uint32(i)})
		*slot = uint32(len(r.groups))
	}
	gid := *slot - 1
	g := &r.groups[gid]
	if r.cur.seq != r.seq {
		r.cur = rec{seq: r.seq, art: r.intern(ev.Citation.Artefact), line: ev.Citation.Line, rec: ev.Citation.Record, noTime: noTime}
		if !ev.Time.IsZero() {
			r.cur.t = ev.Time.UnixNano()
		}
	}
	x := r.cur
	x.gid = gid
	if a.distinct != "" {
		x.dv = r.intern(r.c.raw(a.dIdx))
	}
	if len(r.recs) == cap(r.recs) && !r.makeRoom() {
		return // Finish reports the failure
	}
	r.recs = append(r.recs, x)
	g.n++
}

func (r *Run) budget() int64 {
	if r.Budget > 0 {
		return r.Budget
	}
	return DefaultBudget
}

// makeRoom grows the records up to the budget, or spills them; false
// after a spill failed.
func (r *Run) makeRoom() bool {
	if r.err != nil {
		return false
	}
	// Double up to the budget, but spill rather than grow past it: a run
	// holds between half the budget and all of it, and no growth copies
	// more than half of it.
	limit := int(max(r.budget()/recSize, 1))
	if c := cap(r.recs); c < limit && (c == 0 || 2*c <= limit) {
		grown := make([]rec, len(r.recs), min(max(2*c, 1024), limit))
		copy(grown, r.recs)
		r.recs = grown
		return true
	}
	if err := r.sp.write(r.TempDir, r.recs, len(r.groups)); err != nil {
		r.err = fmt.Errorf("sigma: cannot write the aggregation records to a temporary file (in %s; set TMPDIR to a directory with room): %w", cmp.Or(r.TempDir, os.TempDir()), err)
		return false
	}
	r.recs = r.recs[:0]
	return true
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

// Dropped is an aggregate rule that matched events it could not evaluate,
// because its by-fields already had MaxGroups groups: what it would have
// found for them is missing.
type Dropped struct {
	Rule   *Rule
	Events int64
}

// Dropped lists the aggregate rules that matched events beyond MaxGroups
// groups, in rule order.
func (r *Run) Dropped() []Dropped {
	var out []Dropped
	for i, n := range r.dropped {
		if n > 0 {
			out = append(out, Dropped{Rule: r.e.rules[i], Events: n})
		}
	}
	return out
}

// Finish evaluates the aggregate rules over what the run remembered, in a
// stable order (rule, then group), and closes the run. It fails only when
// the records could not be spilled or read back.
func (r *Run) Finish() ([]Detection, error) {
	var fired []firedGroup
	err := r.finish(func(d Detection, rule int, key string) error {
		fired = append(fired, firedGroup{d: d, rule: rule, key: key})
		return nil
	})
	if err != nil || len(fired) == 0 {
		return nil, err
	}
	// In rule order, then by the group's key.
	slices.SortFunc(fired, func(x, y firedGroup) int {
		return cmp.Or(cmp.Compare(x.rule, y.rule), strings.Compare(x.key, y.key))
	})
	out := make([]Detection, len(fired))
	for k, f := range fired {
		out[k] = f.d
	}
	return out, nil
}

// FinishEach is Finish for a run whose detections are too many to hold
// (a rule firing for each of a million sources): it gives fn each
// detection as its group is evaluated, in no stable order, with the key
// Finish orders a rule's detections by (the group's values, each followed
// by a NUL byte), and closes the run. An error from fn stops it.
func (r *Run) FinishEach(fn func(d *Detection, key string) error) error {
	return r.finish(func(d Detection, _ int, key string) error { return fn(&d, key) })
}

// finish evaluates the groups and gives fn each detection, one call at a
// time. The groups of each part (partOf) are evaluated on a goroutine of
// their own: at 10^8 events Finish was a minute and a half of one
// processor while the other waited.
func (r *Run) finish(fn func(d Detection, rule int, key string) error) error {
	defer r.Close()
	if r.err != nil {
		return r.err
	}
	sortRecs(r.recs, len(r.groups))
	var mu sync.Mutex
	var stop atomic.Bool
	errs := make([]error, finishParts)
	var wg sync.WaitGroup
	for part := range finishParts {
		wg.Go(func() {
			errs[part] = r.finishPart(part, &stop, func(d Detection, rule int, key string) error {
				mu.Lock()
				defer mu.Unlock()
				return fn(d, rule, key)
			})
			if errs[part] != nil {
				stop.Store(true)
			}
		})
	}
	wg.Wait()
	return cmp.Or(cmp.Or(errs...), r.Close())
}

// finishPart evaluates the groups of one part, until stop: each group's
// records are fed to one groupEval per rule of its stream.
func (r *Run) finishPart(part int, stop *atomic.Bool, fn func(d Detection, rule int, key string) error) error {
	hi := r.cursor(part)
	var evs []groupEval
	var g *group
	var members []int
	var gid uint32
	var err error
	done := func() {
		if g == nil {
			return
		}
		key, keyed := "", false
		for k, m := range members {
			if err != nil {
				return
			}
			if d, ok := evs[k].detection(r); ok {
				if !keyed {
					key, keyed = r.sets[r.e.sig[g.rule]].key(g.row), true
				}
				err = fn(d, m, key)
			}
		}
	}
	for x := hi.next(); x != nil && err == nil && !stop.Load(); x = hi.next() {
		if g == nil || x.gid != gid {
			done()
			g, gid = &r.groups[x.gid], x.gid
			members = r.e.members[g.rule]
			for len(evs) < len(members) {
				evs = append(evs, groupEval{newLo: func() *cursor { return r.cursor(part) }})
			}
			for k, m := range members {
				evs[k].reset(r.e.rules[m], g, hi.n-1)
			}
		}
		for k := range members {
			evs[k].add(x)
		}
	}
	readErr := hi.err
	for k := range evs {
		if evs[k].lo != nil {
			readErr = cmp.Or(readErr, evs[k].lo.err)
		}
	}
	if readErr != nil {
		return fmt.Errorf("sigma: reading back the aggregation records spilled to a temporary file: %w", readErr)
	}
	done()
	return err
}

// firedGroup is a detection with its rule's index and its group's key
// (the by values, each followed by a NUL byte), which order detections.
type firedGroup struct {
	d    Detection
	rule int
	key  string
}

// Close removes the run's temporary file and lets its records go. Finish
// calls it; call it for a run abandoned before Finish. It may be called
// more than once.
func (r *Run) Close() error {
	r.recs = nil
	return r.sp.close()
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
