package ui

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/triage"
)

// assessCache holds the assessment, the indicator list and the graph of the
// case. The server is the only writer while it holds the case, so they stay
// valid until it ingests something (invalidate). The assessment is made in
// the background, one at a time (assess_run.go), and a page shows the one
// held meanwhile, saying what it rests on (assess_view.go): no page waits
// minutes for the assessment of a large case.
type assessCache struct {
	s   *Server
	mu  sync.Mutex
	gen atomic.Uint64 // changed under mu; read without it by the page cache, which must not wait for an assessment
	// shown changes with what the pages say of the assessment (one made,
	// one begun, one failed): the page cache's stamp carries it, so that
	// an answer made while an assessment was being made is not served
	// once it is made.
	shown   atomic.Uint64
	held    *heldAssessment
	tab     *triageTable // the sources table of held
	resGen  uint64
	resSize uint64 // the log size held rests on (for recording it)
	hasRes  bool
	run     *assessRun         // the assessment being made; nil: none
	failed  *assessFailure     // the last one made in the background failed; nil once one succeeds
	ended   chan struct{}      // closed and replaced when an assessment is made or fails
	closed  bool               // the server closes: no more assessments
	runs    sync.WaitGroup     // the assessment being made, waited for by close
	orders  map[orderKey][]int // sorted source orders of held
	pages   map[string][]byte  // encoded API pages of held, by query
	table   tableCache         // what the sources tables are derived from (triage.go)

	inds indicatorCache // the case's indicators (assess_inds.go)

	graphMu    sync.Mutex // held while the graph is built, so it is built once
	graph      *graph.Graph
	graphOfRes *heldAssessment // the assessment graph was built from
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
// assessment: a newer one is made in the background once a page asks for
// it, or at once when the server warms (WarmGraph).
func (a *assessCache) invalidate() {
	a.mu.Lock()
	a.gen.Add(1)
	a.mu.Unlock()
	a.s.kickWarm()
}

// set makes t's assessment, made when the generation was gen over the
// first size entries, the one shown, and retires the one it replaces,
// unless the one shown is as new (an assessment recorded from the
// workbench, adopted while the background made the same). a.mu is held.
func (a *assessCache) set(t *triageTable, size, gen uint64) {
	h := t.res
	if a.hasRes && gen < a.resGen || a.hasRes && gen == a.resGen && a.resSize >= size {
		h.retire()
		return
	}
	if a.held != nil && a.held != h {
		a.held.retire()
	}
	a.held, a.tab, a.resGen, a.resSize, a.hasRes = h, t, gen, size, true
	a.orders, a.pages = nil, nil
	a.shown.Add(1)
}

// adopt makes h, just assessed over the first size entries and recorded
// from the workbench, the assessment shown: recording assesses the case
// anew, so the page shows exactly what the entry records.
func (a *assessCache) adopt(ctx context.Context, h *heldAssessment, size uint64) error {
	a.mu.Lock()
	gen := a.gen.Load()
	a.mu.Unlock()
	t, err := a.s.tableOf(ctx, h, size)
	if err != nil {
		h.retire()
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.set(t, size, gen)
	a.signal()
	return nil
}

// close retires the assessment held, on the server's Close, once the one
// being made has stopped (the server's context is cancelled first).
func (a *assessCache) close() {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	a.runs.Wait()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.held != nil {
		a.held.retire()
	}
}

// graphOf returns the provenance graph of h, building it when it is not
// h's, from the whole assessment put together again
// (heldAssessment.result): only for a case of at most warmGraphSources
// sources (graphable).
func (a *assessCache) graphOf(ctx context.Context, h *heldAssessment) (*graph.Graph, error) {
	if !h.graphable() {
		return nil, fmt.Errorf("the provenance graph of %d sources is not drawn (at most %d)", len(h.rows), warmGraphSources)
	}
	a.graphMu.Lock()
	defer a.graphMu.Unlock()
	if a.graphOfRes == h {
		return a.graph, nil
	}
	done := h.use()
	defer done()
	res, err := h.result()
	if err != nil {
		return nil, err
	}
	g, err := graph.Build(ctx, a.s.c.Case, res)
	if err != nil {
		return nil, err
	}
	a.graph, a.graphOfRes = g, h
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
