package ui

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/attrib"
	"github.com/casefile/casefile/graph/triage"
)

// assessCache holds the assessment, the indicator list and the graph of the
// case. The server is the only writer while it holds the case, so they stay
// valid until it ingests something (invalidate).
type assessCache struct {
	s        *Server
	mu       sync.Mutex
	gen      atomic.Uint64 // changed under mu; read without it by the page cache, which must not wait for an assessment
	held     *heldAssessment
	resGen   uint64
	resSize  uint64 // the log size held rests on (for recording it)
	inds     []*eventstore.Summary
	indsGen  uint64
	graph    *graph.Graph
	graphGen uint64
	hasRes   bool
	hasInds  bool
	hasGraph bool
	orders   map[orderKey][]int // sorted source orders of held
	pages    map[string][]byte  // encoded API pages of held, by query
	table    tableCache         // the sources table of held (triage.go)
}

// maxCachedPages bounds the encoded assessment pages kept per assessment.
const maxCachedPages = 256

// page returns the cached encoding of an API page of h, or makes it.
func (a *assessCache) page(h *heldAssessment, key string, build func() []byte) []byte {
	a.mu.Lock()
	if h == a.held {
		if b, ok := a.pages[key]; ok {
			a.mu.Unlock()
			return b
		}
	}
	a.mu.Unlock()
	b := build()
	a.mu.Lock()
	defer a.mu.Unlock()
	if h == a.held && len(a.pages) < maxCachedPages && b != nil {
		if a.pages == nil {
			a.pages = map[string][]byte{}
		}
		a.pages[key] = b
	}
	return b
}

type orderKey struct {
	key  string
	desc bool
}

// order returns the sources of h in the order of the table's sort key,
// computed once per assessment (sorting 10,000 sources per request would
// cost more than the rest of the page).
func (a *assessCache) order(h *heldAssessment, key string, desc bool) []int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if h != a.held {
		return sourceOrder(h.rows, key, desc)
	}
	k := orderKey{key, desc}
	if o, ok := a.orders[k]; ok {
		return o
	}
	if a.orders == nil {
		a.orders = map[orderKey][]int{}
	}
	o := sourceOrder(h.rows, key, desc)
	a.orders[k] = o
	return o
}

// invalidate says the case changed in a way that can change the
// assessment; the next use makes it anew (or the warming does first).
func (a *assessCache) invalidate() {
	a.mu.Lock()
	a.gen.Add(1)
	a.mu.Unlock()
	a.s.kickWarm()
}

// result returns the assessment of every source, making it when stale,
// and done, to be called once the page has read the sources it shows
// (heldAssessment.use).
func (a *assessCache) result(ctx context.Context) (h *heldAssessment, done func(), err error) {
	h, _, done, err = a.resultAt(ctx)
	return h, done, err
}

// resultAt is result with the log size the assessment rests on.
func (a *assessCache) resultAt(ctx context.Context) (*heldAssessment, uint64, func(), error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.hasRes && a.resGen == a.gen.Load() {
		return a.held, a.resSize, a.held.use(), nil
	}
	size := a.s.c.Log().Size()
	b, err := newHeldBuilder(a.s.tmp)
	if err != nil {
		return nil, 0, nil, err
	}
	if a.s.cfg.Assess != nil {
		err = assessWith(ctx, a.s, b)
	} else {
		err = graph.AssessEach(ctx, a.s.c.Case, attrib.DefaultModel(), nil, nil, b.head, b.add)
	}
	if err != nil {
		b.abort()
		return nil, 0, nil, err
	}
	h, err := b.finish()
	if err != nil {
		return nil, 0, nil, err
	}
	a.set(h, size)
	return a.held, a.resSize, a.held.use(), nil
}

// assessWith gives b the assessment of the server's Config.Assess.
func assessWith(ctx context.Context, s *Server, b *heldBuilder) error {
	res, err := s.cfg.Assess(ctx, s.c.Case)
	if err != nil {
		return err
	}
	b.head(res)
	for i := range res.Sources {
		if err := b.add(&res.Sources[i]); err != nil {
			return err
		}
	}
	return nil
}

// set makes h, assessed over the first size entries, the current
// assessment, and retires the one it replaces. a.mu is held.
func (a *assessCache) set(h *heldAssessment, size uint64) {
	if a.held != nil && a.held != h {
		a.held.retire()
	}
	a.held, a.resGen, a.resSize, a.hasRes = h, a.gen.Load(), size, true
	a.orders, a.pages = nil, nil
}

// adopt makes h, just assessed over the first size entries and recorded
// from the workbench, the assessment shown: recording assesses the case
// anew, so the page shows exactly what the entry records.
func (a *assessCache) adopt(h *heldAssessment, size uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.set(h, size)
}

// close retires the assessment held, on the server's Close.
func (a *assessCache) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.held != nil {
		a.held.retire()
	}
}

// indicators returns the case's indicators, most frequent first.
func (a *assessCache) indicators() ([]*eventstore.Summary, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.hasInds && a.indsGen == a.gen.Load() {
		return a.inds, nil
	}
	inds, err := a.s.events.Indicators()
	if err != nil {
		return nil, err
	}
	a.inds, a.indsGen, a.hasInds = inds, a.gen.Load(), true
	return inds, nil
}

// graphOf returns the provenance graph, building it when stale, from
// the whole assessment put together again (heldAssessment.result): only
// for a case of at most warmGraphSources sources (graphable).
func (a *assessCache) graphOf(ctx context.Context) (*graph.Graph, error) {
	h, done, err := a.result(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	if !h.graphable() {
		return nil, fmt.Errorf("the provenance graph of %d sources is not drawn (at most %d)", len(h.rows), warmGraphSources)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.hasGraph && a.graphGen == a.gen.Load() {
		return a.graph, nil
	}
	res, err := h.result()
	if err != nil {
		return nil, err
	}
	g, err := graph.Build(ctx, a.s.c.Case, res)
	if err != nil {
		return nil, err
	}
	a.graph, a.graphGen, a.hasGraph = g, a.gen.Load(), true
	return g, nil
}

// sourceOrder sorts assessed sources (their rows) for the table.
func sourceOrder(src []triage.Row, key string, desc bool) []int {
	idx := make([]int, len(src))
	for i := range idx {
		idx[i] = i
	}
	less := func(i, j int) bool {
		a, b := &src[i], &src[j]
		switch key {
		case "indicator":
			return a.Indicator < b.Indicator
		case "role":
			if a.Role != b.Role {
				return a.Role < b.Role
			}
			return a.Probability > b.Probability
		case "probability":
			return a.Probability < b.Probability
		case "confidence":
			return triage.ConfidenceRank(a.Confidence) < triage.ConfidenceRank(b.Confidence)
		case "risk":
			return a.Risk < b.Risk
		default: // events
			return a.Events < b.Events
		}
	}
	sort.SliceStable(idx, func(x, y int) bool {
		if desc {
			return less(idx[y], idx[x])
		}
		return less(idx[x], idx[y])
	})
	return idx
}
