package ui

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/attrib"
)

// assessRun is an assessment being made in the background: of the case as
// it stood at generation gen, over its first size entries.
type assessRun struct {
	gen   uint64
	size  uint64
	since time.Time

	mu    sync.Mutex
	prog  graph.Progress
	known bool // prog was reported (a Config.Assess reports nothing)
	table bool // the assessment is made; its sources table is being derived
}

// progress is what the run has reported so far.
func (r *assessRun) progress() (graph.Progress, bool, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.prog, r.known, r.table
}

func (r *assessRun) report(p graph.Progress) {
	r.mu.Lock()
	r.prog, r.known = p, true
	r.mu.Unlock()
}

// assessFailure is a background assessment that failed: its error is shown
// on the pages that need the assessment, not only logged.
type assessFailure struct {
	gen uint64
	at  time.Time
	err error
}

// assessRetry is how long a failed assessment of an unchanged case is left
// before a page asking for it tries again (a full disk may have been
// freed); a change of the case tries at once.
const assessRetry = time.Minute

// want starts making the assessment of the case as it stands unless the
// one held is of it, or one is being made (which makes one more after it
// when the case changed meanwhile: make). a.mu is held.
func (a *assessCache) want() {
	gen := a.gen.Load()
	if a.closed || a.run != nil || a.hasRes && a.resGen == gen {
		return
	}
	if f := a.failed; f != nil && f.gen == gen && a.s.now().Sub(f.at) < assessRetry {
		return
	}
	r := &assessRun{gen: gen, size: a.s.c.Log().Size(), since: a.s.now()}
	a.run = r
	a.shown.Add(1)
	a.runs.Add(1)
	go a.make(r)
}

// make makes r, with its sources table, and shows it; then, when the case
// changed meanwhile, the next.
func (a *assessCache) make(r *assessRun) {
	defer a.runs.Done()
	t, err := a.assessNow(a.s.ctx, r)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.run = nil
	switch {
	case err == nil:
		a.set(t, r.size, r.gen)
		if a.failed != nil && a.failed.gen <= r.gen {
			a.failed = nil
		}
	case a.s.ctx.Err() != nil: // the server closes
	default:
		a.s.log.Warn("assessing the case in the background", "err", err)
		a.failed = &assessFailure{gen: r.gen, at: a.s.now(), err: err}
	}
	a.shown.Add(1)
	a.signal()
	a.want()
}

// signal wakes those waiting for an assessment (wait). a.mu is held.
func (a *assessCache) signal() {
	close(a.ended)
	a.ended = make(chan struct{})
}

// assessNow assesses the case and derives the sources table of the result.
func (a *assessCache) assessNow(ctx context.Context, r *assessRun) (*triageTable, error) {
	b, err := newHeldBuilder(a.s.tmp)
	if err != nil {
		return nil, err
	}
	if a.s.cfg.Assess != nil {
		err = assessWith(ctx, a.s, b)
	} else {
		err = graph.AssessEachProgress(ctx, a.s.c.Case, attrib.DefaultModel(), nil, nil, r.report, b.head, b.add)
	}
	if err != nil {
		b.abort()
		return nil, err
	}
	h, err := b.finish()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.table = true
	r.mu.Unlock()
	t, err := a.s.tableOf(ctx, h, r.size)
	if err != nil {
		h.retire()
		return nil, err
	}
	return t, nil
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

// wait waits until the assessment held is of the case as it stands, or the
// one being made for it failed, or until the deadline (zero: none) or ctx
// ends, starting it when none is being made.
func (a *assessCache) wait(ctx context.Context, deadline time.Time) {
	var timer <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		timer = t.C
	}
	for {
		a.mu.Lock()
		a.want()
		gen := a.gen.Load()
		settled := a.hasRes && a.resGen == gen || a.failed != nil && a.failed.gen == gen && a.run == nil
		ended := a.ended
		a.mu.Unlock()
		if settled {
			return
		}
		select {
		case <-ended:
		case <-timer:
			return
		case <-ctx.Done():
			return
		}
	}
}

// errAssessFailed wraps the error of an assessment a caller waited for.
var errAssessFailed = errors.New("the assessment of the case failed")

// current returns the assessment of the case as it stands, waiting for it
// (what records it, an export or a notification, must rest on exactly what
// the log holds, not on the assessment shown meanwhile).
func (a *assessCache) current(ctx context.Context) (*heldAssessment, uint64, func(), error) {
	for {
		a.wait(ctx, time.Time{})
		if err := ctx.Err(); err != nil {
			return nil, 0, nil, err
		}
		a.mu.Lock()
		gen := a.gen.Load()
		if a.hasRes && a.resGen == gen {
			h, size, done := a.held, a.resSize, a.held.use()
			a.mu.Unlock()
			return h, size, done, nil
		}
		f := a.failed
		a.mu.Unlock()
		if f != nil && f.gen == gen {
			return nil, 0, nil, errors.Join(errAssessFailed, f.err)
		}
	}
}
