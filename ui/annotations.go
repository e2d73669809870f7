package ui

import (
	"context"
	"sync"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/annotate"
)

// annotations is the workbench's fold of the annotation entries, caught
// up with the log before each use. Writes plan and record under the same
// lock, so two people tagging at once get two entries checked one after
// the other, never a change planned against a stale state.
type annotations struct {
	mu sync.Mutex
	c  *evidence.Case
	st annotate.State
}

// read runs fn over the current state; fn must not keep it.
func (a *annotations) read(fn func(*annotate.State)) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.st.CatchUp(a.c); err != nil {
		return err
	}
	fn(&a.st)
	return nil
}

// record plans a change against the current state and records it as one
// custody entry by actor.
func (a *annotations) record(ctx context.Context, actor string, plan func(*annotate.State) (annotate.Change, error)) (*evidence.Entry, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.st.CatchUp(a.c); err != nil {
		return nil, err
	}
	ch, err := plan(&a.st)
	if err != nil {
		return nil, err
	}
	e, err := annotate.Record(ctx, a.c, actor, ch)
	if err != nil {
		return nil, err
	}
	return e, a.st.CatchUp(a.c)
}

// marksOf returns the current marks on each of refs (one lookup for a
// page of events).
func (a *annotations) marksOf(refs []string) map[string][]annotate.Mark {
	out := map[string][]annotate.Mark{}
	_ = a.read(func(st *annotate.State) {
		for _, m := range st.Marks("") {
			out[m.Target.Ref] = append(out[m.Target.Ref], m)
		}
	})
	keep := make(map[string][]annotate.Mark, len(refs))
	for _, r := range refs {
		if m, ok := out[r]; ok {
			keep[r] = m
		}
	}
	return keep
}
