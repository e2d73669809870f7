package ui

import (
	"context"
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
	res      *attrib.Result
	resGen   uint64
	resSize  uint64 // the log size res rests on (for recording it)
	byInd    map[string]int
	inds     []*eventstore.Summary
	indsGen  uint64
	graph    *graph.Graph
	graphGen uint64
	hasRes   bool
	hasInds  bool
	hasGraph bool
	orders   map[orderKey][]int // sorted source orders of res
	pages    map[string][]byte  // encoded API pages of res, by query
	table    tableCache         // the sources table of res (triage.go)
}

// maxCachedPages bounds the encoded assessment pages kept per assessment.
const maxCachedPages = 256

// page returns the cached encoding of an API page of res, or makes it.
func (a *assessCache) page(res *attrib.Result, key string, build func() []byte) []byte {
	a.mu.Lock()
	if res == a.res {
		if b, ok := a.pages[key]; ok {
			a.mu.Unlock()
			return b
		}
	}
	a.mu.Unlock()
	b := build()
	a.mu.Lock()
	defer a.mu.Unlock()
	if res == a.res && len(a.pages) < maxCachedPages {
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

// order returns the sources of res in the order of the table's sort key,
// computed once per assessment (sorting 10,000 sources per request would
// cost more than the rest of the page).
func (a *assessCache) order(res *attrib.Result, key string, desc bool) []int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if res != a.res {
		return sourceOrder(res.Sources, key, desc)
	}
	k := orderKey{key, desc}
	if o, ok := a.orders[k]; ok {
		return o
	}
	if a.orders == nil {
		a.orders = map[orderKey][]int{}
	}
	o := sourceOrder(res.Sources, key, desc)
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

// result returns the assessment of every source, computing it when stale.
func (a *assessCache) result(ctx context.Context) (*attrib.Result, map[string]int, error) {
	res, byInd, _, err := a.resultAt(ctx)
	return res, byInd, err
}

// resultAt is result with the log size the assessment rests on.
func (a *assessCache) resultAt(ctx context.Context) (*attrib.Result, map[string]int, uint64, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.hasRes && a.resGen == a.gen.Load() {
		return a.res, a.byInd, a.resSize, nil
	}
	var res *attrib.Result
	var err error
	size := a.s.c.Log().Size()
	if a.s.cfg.Assess != nil {
		res, err = a.s.cfg.Assess(ctx, a.s.c.Case)
	} else {
		res, err = assessCase(ctx, a.s)
	}
	if err != nil {
		return nil, nil, 0, err
	}
	a.set(res, size)
	return a.res, a.byInd, a.resSize, nil
}

// set makes res, assessed over the first size entries, the current
// assessment. a.mu is held.
func (a *assessCache) set(res *attrib.Result, size uint64) {
	a.res, a.resGen, a.resSize, a.hasRes = res, a.gen.Load(), size, true
	a.orders, a.pages = nil, nil
	a.byInd = make(map[string]int, len(res.Sources))
	for i, src := range res.Sources {
		a.byInd[src.Indicator] = i
	}
}

// adopt makes res, just assessed over the first size entries and recorded
// from the workbench, the assessment shown: recording assesses the case
// anew, so the page shows exactly what the entry records.
func (a *assessCache) adopt(res *attrib.Result, size uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.set(res, size)
}

// restsOn is the log size the current assessment was made over.
func (a *assessCache) restsOn() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.resSize
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

// graphOf returns the provenance graph, building it when stale.
func (a *assessCache) graphOf(ctx context.Context) (*graph.Graph, error) {
	res, _, err := a.result(ctx)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.hasGraph && a.graphGen == a.gen.Load() {
		return a.graph, nil
	}
	g, err := graph.Build(ctx, a.s.c.Case, res)
	if err != nil {
		return nil, err
	}
	a.graph, a.graphGen, a.hasGraph = g, a.gen.Load(), true
	return g, nil
}

// assessCase assesses every source of the case with the default model.
func assessCase(ctx context.Context, s *Server) (*attrib.Result, error) {
	return graph.Assess(ctx, s.c.Case, attrib.DefaultModel(), nil)
}

// sourceOrder sorts assessed sources for the table.
func sourceOrder(src []attrib.Source, key string, desc bool) []int {
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
			return a.CollateralRisk < b.CollateralRisk
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
