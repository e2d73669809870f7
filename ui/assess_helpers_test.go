package ui

import (
	"context"

	"github.com/casefile/casefile/graph"
)

// result waits for the assessment of the case as it stands, made in the
// background, and holds it for the caller until done.
func (a *assessCache) result(ctx context.Context) (*heldAssessment, func(), error) {
	h, _, done, err := a.current(ctx)
	return h, done, err
}

// graphNow is the provenance graph of the assessment of the case as it
// stands.
func (a *assessCache) graphNow(ctx context.Context) (*graph.Graph, error) {
	h, done, err := a.result(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	return a.graphOf(ctx, h)
}
