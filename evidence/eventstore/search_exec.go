package eventstore

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
	"time"

	"github.com/klauspost/compress/s2"

	"github.com/casefile/casefile/enrich/indicator"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/parse"
)

// Sort orders of a search.
const (
	SortStored  = ""      // the order the artefacts were parsed, then input order
	SortTime    = "time"  // oldest first; events without a time last
	SortTimeRev = "-time" // newest first; events without a time last
)

// SearchOptions page and order a search.
type SearchOptions struct {
	Sort          string
	Offset, Limit int // Limit 0: no events, only the total and histogram
	Buckets       int // histogram bars wanted at most (0: 60)
}

// Hit is one event a search found, with where it is kept.
type Hit struct {
	Run   string       `json:"run"`
	Seq   uint32       `json:"seq"`
	Event *parse.Event `json:"event"`
}

// Histogram counts the matching events per time bucket: bucket i covers
// [Start + i·Step, Start + (i+1)·Step).
type Histogram struct {
	Start  time.Time     `json:"start,omitzero"`
	Step   time.Duration `json:"-"`
	StepS  float64       `json:"step_seconds"`
	Counts []int64       `json:"counts"`
	NoTime int64         `json:"no_time"` // matching events without a time
}

// SearchResult is a page of a search, the total and the histogram.
type SearchResult struct {
	Total     int64      `json:"total"`
	Histogram *Histogram `json:"histogram"`
	Hits      []Hit      `json:"hits"`
	First     time.Time  `json:"first,omitzero"` // earliest matching time
	Last      time.Time  `json:"last,omitzero"`
}

// partRes is what a query selects in one part of one run.
type partRes struct {
	run  int // index into the runs searched
	part uint32
	meta *partMeta
	bits *bitset
	n    int
	full bool // every event of the part
}

// Search answers q from the search index: the total, the histogram and
// one page of events in the order asked. Runs parsed before the index
// existed are indexed first (see ensureIndex).
func (s *Store) Search(ctx context.Context, q *SearchQuery, o SearchOptions) (*SearchResult, error) {
	runs, err := s.Current()
	if err != nil {
		return nil, err
	}
	runs = filterRuns(runs, func(r *Run) bool {
		for i := range q.Clauses {
			c := &q.Clauses[i]
			if c.runLevel() && c.matchRun(r.Artefact, r.Parser+"/"+fmt.Sprint(r.ParserVersion)) == c.Not {
				return false
			}
		}
		return r.Events > 0
	})
	res := &SearchResult{Hits: []Hit{}}
	var parts []*partRes
	for ri, r := range runs {
		if err := s.ensureIndex(ctx, r); err != nil {
			return nil, err
		}
		ps, err := s.searchRun(ctx, q, r, ri)
		if err != nil {
			return nil, err
		}
		parts = append(parts, ps...)
	}
	for _, p := range parts {
		res.Total += int64(p.n)
	}
	res.Histogram, res.First, res.Last = histogram(q, parts, o.Buckets)
	if o.Limit <= 0 || o.Offset >= int(res.Total) {
		return res, nil
	}
	picks := page(parts, o)
	res.Hits, err = s.load(runs, picks)
	return res, err
}

// searchRun evaluates q over the parts of one run.
func (s *Store) searchRun(ctx context.Context, q *SearchQuery, r *Run, ri int) ([]*partRes, error) {
	id := r.id()
	nparts := uint32((r.Events + partEvents - 1) / partEvents)
	var out []*partRes
	ind := map[int][]indicator.Indicator{}
	for i := range q.Clauses {
		if v := q.Clauses[i].Indicator; v != "" {
			ind[i] = s.resolve(v)
		}
	}
	for part := range nparts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		meta, err := s.partMeta(id, part)
		if err != nil {
			return nil, err
		}
		p := &partRes{run: ri, part: part, meta: meta, bits: new(bitset)}
		p.bits.fill(len(meta.times))
		p.full = true
		empty := false
		finder := &chunkFinder{s: s, id: id, part: part, meta: meta}
		verify := false
		for i := range q.Clauses {
			c := &q.Clauses[i]
			if c.runLevel() {
				continue
			}
			verify = verify || c.needsEvent()
			if c.Not && c.needsEvent() {
				continue // decided event by event below
			}
			var cb *bitset
			var err error
			if c.Indicator != "" {
				cb, err = s.indicatorBits(r, part, ind[i])
			} else {
				cb, err = finder.clause(c.Terms)
			}
			if err != nil {
				return nil, err
			}
			p.full = false
			switch {
			case c.Not && cb != nil:
				for w := range p.bits {
					p.bits[w] &^= cb[w]
				}
			case !c.Not && cb == nil:
				empty = true
			case !c.Not:
				for w := range p.bits {
					p.bits[w] &= cb[w]
				}
			}
			if empty {
				break
			}
		}
		if empty {
			continue
		}
		if !q.After.IsZero() || !q.Before.IsZero() {
			if !meta.within(q) {
				p.full = false
				lo, hi := bounds(q)
				p.bits.each(func(i int) {
					if t := meta.times[i]; t == 0 || t < lo || t >= hi {
						p.bits[i>>6] &^= 1 << (i & 63)
					}
				})
			}
		}
		if verify {
			p.full = false
			if err := s.verifyHits(q, id, part, p.bits); err != nil {
				return nil, err
			}
		}
		if p.n = p.bits.count(); p.n > 0 {
			if p.full {
				p.bits = nil // the bits are implied; keep memory small on wide queries
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// each calls fn with every selected event of the part.
func (p *partRes) each(fn func(i int)) {
	if p.full {
		for i := range p.meta.times {
			fn(i)
		}
		return
	}
	p.bits.each(fn)
}

func bounds(q *SearchQuery) (lo, hi int64) {
	lo, hi = math.MinInt64, math.MaxInt64
	if !q.After.IsZero() {
		lo = q.After.UnixNano()
	}
	if !q.Before.IsZero() {
		hi = q.Before.UnixNano()
	}
	return lo, hi
}

// verifyHits decodes the candidate events of a part and keeps those that
// match q (phrases, long values and negated ones need the event).
func (s *Store) verifyHits(q *SearchQuery, id [8]byte, part uint32, b *bitset) error {
	var seqs []uint32
	base := part * partEvents
	b.each(func(i int) { seqs = append(seqs, base+uint32(i)) })
	i := 0
	return s.pick(id, seqs, func(e *parse.Event) error {
		if !q.Matches(e) {
			j := int(seqs[i] - base)
			b[j>>6] &^= 1 << (j & 63)
		}
		i++
		return nil
	})
}

// indicatorBits returns the events of one part of r that mention any of
// keys, from the indicator postings (nil: none).
func (s *Store) indicatorBits(r *Run, part uint32, keys []indicator.Indicator) (*bitset, error) {
	id := r.id()
	var out *bitset
	set := func(seqs []uint32) {
		lo, hi := part*partEvents, (part+1)*partEvents
		for _, q := range seqs {
			if q >= lo && q < hi {
				if out == nil {
					out = new(bitset)
				}
				i := q - lo
				out[i>>6] |= 1 << (i & 63)
			}
		}
	}
	for _, k := range keys {
		var raw []byte
		var err error
		if r.parted() {
			raw, err = s.c.Derived().Get(partKey(k.Type, k.Value, id, part))
		} else {
			raw, err = s.c.Derived().Get(postingKey(k.Type, k.Value, id))
		}
		if errors.Is(err, evidence.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		p, err := decodePosting(raw, true)
		if err != nil {
			return nil, fmt.Errorf("indicator %s %q: %w", k.Type, k.Value, err)
		}
		set(p.seqs)
	}
	return out, nil
}

// chunkFinder reads the postings of one part, remembering the chunks read.
type chunkFinder struct {
	s      *Store
	id     [8]byte
	part   uint32
	meta   *partMeta
	chunks map[int][]byte
}

// clause returns the events having every term (nil: none).
func (f *chunkFinder) clause(terms []string) (*bitset, error) {
	var out *bitset
	for _, t := range terms {
		b, err := f.posting(t)
		if err != nil || b == nil {
			return nil, err
		}
		if out == nil {
			out = b
			continue
		}
		nz := false
		for w := range out {
			out[w] &= b[w]
			nz = nz || out[w] != 0
		}
		if !nz {
			return nil, nil
		}
	}
	return out, nil
}

func (f *chunkFinder) posting(term string) (*bitset, error) {
	i := sort.SearchStrings(f.meta.chunks, term) // the first chunk whose last term is not before it
	if i == len(f.meta.chunks) {
		return nil, nil
	}
	chunk, ok := f.chunks[i]
	if !ok {
		key := append(blockKey(prefixSearch, f.id, f.part), f.meta.chunks[i]...)
		val, err := f.s.c.Derived().Get(key)
		if err != nil {
			return nil, fmt.Errorf("search index of run %x part %d: %w", f.id, f.part, err)
		}
		if chunk, err = s2.Decode(nil, val); err != nil {
			return nil, fmt.Errorf("search index of run %x part %d: %w", f.id, f.part, err)
		}
		if f.chunks == nil {
			f.chunks = map[int][]byte{}
		}
		f.chunks[i] = chunk
	}
	b, found, err := findPosting(chunk, term)
	if err != nil || !found {
		return nil, err
	}
	return b, nil
}

// histogram counts the selected events per time bucket: over the query's
// range when it gives both bounds, else from the first to the last
// selected event, in steps of a round size.
func histogram(q *SearchQuery, parts []*partRes, buckets int) (*Histogram, time.Time, time.Time) {
	if buckets <= 0 {
		buckets = 60
	}
	h := &Histogram{Counts: []int64{}}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, p := range parts {
		switch {
		case p.full && !p.meta.zero:
			lo, hi = min(lo, p.meta.min), max(hi, p.meta.max)
		case p.meta.sorted:
			f, l := p.firstLast()
			lo, hi = min(lo, p.meta.times[f]), max(hi, p.meta.times[l])
		default:
			p.each(func(i int) {
				if t := p.meta.times[i]; t != 0 {
					lo, hi = min(lo, t), max(hi, t)
				}
			})
		}
	}
	var first, last time.Time
	if lo <= hi {
		first, last = time.Unix(0, lo).UTC(), time.Unix(0, hi).UTC()
	}
	from, to := lo, hi
	if !q.After.IsZero() && !q.Before.IsZero() {
		from, to = q.After.UnixNano(), q.Before.UnixNano()-1
	}
	if from > to {
		for _, p := range parts {
			h.NoTime += int64(p.n)
		}
		return h, first, last
	}
	step := roundStep(time.Duration(to-from+1), buckets)
	start := time.Unix(0, from).UTC().Truncate(step)
	if step >= 24*time.Hour {
		start = time.Unix(0, from).UTC().Truncate(24 * time.Hour)
	}
	s0 := start.UnixNano()
	n := int((to-s0)/int64(step)) + 1
	h.Start, h.Step, h.StepS, h.Counts = start, step, step.Seconds(), make([]int64, n)
	for _, p := range parts {
		if p.meta.sorted {
			// Times in order: each bucket is a range of the part, counted
			// by its bounds, not event by event.
			ts := p.meta.times
			for b := max(0, (p.meta.min-s0)/int64(step)); b <= min(int64(n-1), (p.meta.max-s0)/int64(step)); b++ {
				bs, be := s0+b*int64(step), s0+(b+1)*int64(step)
				i0 := sort.Search(len(ts), func(i int) bool { return ts[i] >= bs })
				i1 := sort.Search(len(ts), func(i int) bool { return ts[i] >= be })
				h.Counts[b] += int64(p.countRange(i0, i1))
			}
			continue
		}
		p.each(func(i int) {
			t := p.meta.times[i]
			if t == 0 {
				h.NoTime++
				return
			}
			if b := (t - s0) / int64(step); b >= 0 && b < int64(n) {
				h.Counts[b]++
			}
		})
	}
	return h, first, last
}

// countRange counts the selected events among events [i0, i1) of the part.
func (p *partRes) countRange(i0, i1 int) int {
	if p.full || i0 >= i1 {
		return max(0, i1-i0)
	}
	n := 0
	for w := i0 >> 6; w <= (i1-1)>>6; w++ {
		word := p.bits[w]
		if w == i0>>6 {
			word &= ^uint64(0) << (i0 & 63)
		}
		if w == (i1-1)>>6 && i1&63 != 0 {
			word &= 1<<(i1&63) - 1
		}
		n += bits.OnesCount64(word)
	}
	return n
}

// firstLast returns the first and last selected events of a part that
// has some.
func (p *partRes) firstLast() (int, int) {
	if p.full {
		return 0, len(p.meta.times) - 1
	}
	f, l := -1, -1
	for w, word := range p.bits {
		if word != 0 {
			if f < 0 {
				f = w*64 + bits.TrailingZeros64(word)
			}
			l = w*64 + 63 - bits.LeadingZeros64(word)
		}
	}
	return f, l
}

// roundStep is the smallest round bucket size that covers span in at most
// n buckets.
func roundStep(span time.Duration, n int) time.Duration {
	steps := []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
		time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 2 * 24 * time.Hour,
		7 * 24 * time.Hour, 14 * 24 * time.Hour, 30 * 24 * time.Hour, 91 * 24 * time.Hour, 365 * 24 * time.Hour}
	for _, s := range steps {
		if span/s < time.Duration(n) {
			return s
		}
	}
	return time.Duration(math.Ceil(float64(span)/float64(n)/float64(365*24*time.Hour))) * 365 * 24 * time.Hour
}

// ref is one selected event: its run (index into the runs searched), its
// number in the run, and its time (0: unknown).
type ref struct {
	run int
	seq uint32
	t   int64
}

// page picks the events of one page in the order asked.
func page(parts []*partRes, o SearchOptions) []ref {
	want := o.Offset + o.Limit
	if o.Sort == SortStored {
		var out []ref
		skip := o.Offset
		for _, p := range parts {
			if skip >= p.n {
				skip -= p.n
				continue
			}
			base := p.part * partEvents
			p.each(func(i int) {
				if skip > 0 {
					skip--
					return
				}
				if len(out) < o.Limit {
					out = append(out, ref{p.run, base + uint32(i), p.meta.times[i]})
				}
			})
			if len(out) >= o.Limit {
				break
			}
		}
		return out
	}
	rev := o.Sort == SortTimeRev
	less := func(a, b ref) bool { // a comes before b
		switch {
		case a.t == 0 || b.t == 0:
			if (a.t == 0) != (b.t == 0) {
				return b.t == 0
			}
		case a.t != b.t:
			return a.t < b.t != rev
		}
		if a.run != b.run {
			return a.run < b.run
		}
		return a.seq < b.seq
	}
	// Parts whose earliest event (latest, newest first) comes after the
	// worst kept so far cannot contribute: visit them in that order.
	ordered := slices.Clone(parts)
	edge := func(p *partRes) ref {
		if rev {
			return ref{t: p.meta.max, run: p.run, seq: p.part * partEvents}
		}
		return ref{t: p.meta.min, run: p.run, seq: p.part * partEvents}
	}
	sort.SliceStable(ordered, func(i, j int) bool { return less(edge(ordered[i]), edge(ordered[j])) })
	h := &refHeap{less: less}
	for _, p := range ordered {
		if h.Len() >= want && !p.meta.zero && less(h.refs[0], edge(p)) {
			continue
		}
		base := p.part * partEvents
		p.each(func(i int) {
			r := ref{p.run, base + uint32(i), p.meta.times[i]}
			if h.Len() < want {
				heap.Push(h, r)
			} else if less(r, h.refs[0]) {
				h.refs[0] = r
				heap.Fix(h, 0)
			}
		})
	}
	out := make([]ref, h.Len())
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(h).(ref)
	}
	if o.Offset >= len(out) {
		return nil
	}
	return out[o.Offset:]
}

// refHeap keeps the worst of the events kept on top.
type refHeap struct {
	refs []ref
	less func(a, b ref) bool
}

func (h *refHeap) Len() int           { return len(h.refs) }
func (h *refHeap) Less(i, j int) bool { return h.less(h.refs[j], h.refs[i]) }
func (h *refHeap) Swap(i, j int)      { h.refs[i], h.refs[j] = h.refs[j], h.refs[i] }
func (h *refHeap) Push(x any)         { h.refs = append(h.refs, x.(ref)) }
func (h *refHeap) Pop() any {
	r := h.refs[len(h.refs)-1]
	h.refs = h.refs[:len(h.refs)-1]
	return r
}

// load decodes the picked events, keeping their order.
func (s *Store) load(runs []*Run, picks []ref) ([]Hit, error) {
	out := make([]Hit, len(picks))
	byRun := map[int][]int{}
	for i, p := range picks {
		byRun[p.run] = append(byRun[p.run], i)
	}
	for ri, idx := range byRun {
		slices.SortFunc(idx, func(a, b int) int { return int(picks[a].seq) - int(picks[b].seq) })
		seqs := make([]uint32, len(idx))
		for k, i := range idx {
			seqs[k] = picks[i].seq
		}
		k := 0
		r := runs[ri]
		err := s.pick(r.id(), seqs, func(e *parse.Event) error {
			out[idx[k]] = Hit{Run: r.ID, Seq: seqs[k], Event: e}
			k++
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// EventAt returns event seq of run (the Hit's Run and Seq).
func (s *Store) EventAt(run string, seq uint32) (*parse.Event, error) {
	id, ok := runIDOf(run)
	if !ok {
		return nil, fmt.Errorf("run %q: not a run id: %w", run, evidence.ErrNotFound)
	}
	if _, err := s.run(id); err != nil {
		return nil, fmt.Errorf("run %s: %w", run, err)
	}
	var ev *parse.Event
	err := s.pick(id, []uint32{seq}, func(e *parse.Event) error { ev = e; return nil })
	if errors.Is(err, evidence.ErrNotFound) || err == nil && ev == nil {
		return nil, fmt.Errorf("event %d of run %s: %w", seq, run, evidence.ErrNotFound)
	}
	return ev, err
}
