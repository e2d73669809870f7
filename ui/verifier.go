package ui

import (
	"context"
	"sync"
	"time"

	"github.com/casefile/casefile/evidence"
)

// verifier runs verifications one at a time and keeps the latest report.
// Requests coalesce: while a run is going, every new request waits for the
// one run queued after it, so many requests cost at most two runs.
type verifier struct {
	ctx   context.Context // the server's; runs end with it
	check func(context.Context) (*evidence.Report, error)

	mu      sync.Mutex
	running sync.WaitGroup
	cur     *verifyRun // the run going on
	next    *verifyRun // the run that starts when cur ends
	report  *evidence.Report
	at      time.Time
}

// verifyRun is one run, shared by every request waiting for it.
type verifyRun struct {
	done chan struct{}
	rep  *evidence.Report
	err  error
}

func newVerifier(ctx context.Context, check func(context.Context) (*evidence.Report, error)) *verifier {
	return &verifier{ctx: ctx, check: check}
}

// start asks for a run and returns the run that will answer it.
func (v *verifier) start() *verifyRun {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cur == nil {
		v.cur = &verifyRun{done: make(chan struct{})}
		v.running.Add(1)
		go v.loop(v.cur)
		return v.cur
	}
	if v.next == nil {
		v.next = &verifyRun{done: make(chan struct{})}
	}
	return v.next
}

func (v *verifier) loop(run *verifyRun) {
	defer v.running.Done()
	for run != nil {
		run.rep, run.err = v.check(v.ctx)
		v.mu.Lock()
		if run.err == nil {
			v.report, v.at = run.rep, time.Now().UTC()
		}
		close(run.done)
		v.cur, v.next = v.next, nil
		run = v.cur
		v.mu.Unlock()
	}
}

// run verifies (sharing a run with concurrent callers) and returns the
// report; ctx ends only the wait, not the shared run.
func (v *verifier) run(ctx context.Context) (*evidence.Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := v.start()
	select {
	case <-r.done:
		if r.err != nil {
			return nil, r.err
		}
		return r.rep, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (v *verifier) wait() { v.running.Wait() }

// state returns the latest report (nil before the first one finished).
func (v *verifier) state() (rep *evidence.Report, at time.Time, busy bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.report, v.at, v.cur != nil
}
