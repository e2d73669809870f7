package ui

import (
	"net/url"
	"time"
)

// WarmGraph has the case assessed (with its sources table) and builds
// what the pages show of the assessment (the provenance graph and its
// overview, the indicator list; the graph only up to warmGraphSources
// sources) in the background, now and again after each change of the
// assessment (an upload, an enrichment, a verdict, a command run through
// the server's socket), so that the first visit after it does not wait
// for them: on the real-sample case about 1.2 s of the first graph
// request; for a million events, 1 s for the overview's indicator count,
// 2.5 s for the graph page's overview. Without it the assessment is made
// when a page first asks for it. A page never waits for the assessment
// itself beyond Config.AssessWait (assess_view.go); a visit during the
// rest of the warming waits for the part it needs, which is made once.
// `casefile serve` calls it; tests do not, to keep their servers idle.
// Close waits for it; an error is shown by the pages that need the
// assessment.
func (s *Server) WarmGraph() {
	s.warmKick = make(chan struct{}, 1)
	s.warmKick <- struct{}{}
	s.bg.Go(func() {
		for {
			select {
			case <-s.ctx.Done():
				return
			case <-s.warmKick:
				s.warm()
			}
		}
	})
}

// kickWarm asks for a warming after a change (nothing unless WarmGraph
// was called); changes during a warming make one more.
func (s *Server) kickWarm() {
	if s.warmKick != nil {
		select {
		case s.warmKick <- struct{}{}:
		default:
		}
	}
}

// warmGraphSources is the most sources whose provenance graph is drawn
// (heldAssessment.graphable), which the warming then builds. The graph of
// every source is held whole: 100,000 enriched sources took about 2 GB
// with the rest of the workbench, a million over 20 GB (issue 18). Past
// it the graph pages say so and lead to the sources instead.
var warmGraphSources = 100_000

// warm waits for the assessment of the case as it stands (made in the
// background, assess_run.go) and builds what the pages show of it.
func (s *Server) warm() {
	s.assess.wait(s.ctx, time.Time{})
	v := s.assess.view(s.ctx)
	v.done() // the rows are enough here
	if res := v.h; res != nil && res.graphable() {
		if _, err := s.assess.graphOf(s.ctx, res); err != nil && s.ctx.Err() == nil {
			s.log.Warn("building the graph in the background", "err", err)
		}
		if _, err := s.graphData(s.ctx, res, url.Values{}, ""); err != nil && s.ctx.Err() == nil {
			s.log.Warn("folding the graph in the background", "err", err)
		}
	}
	if _, err := s.assess.indicators(); err != nil && s.ctx.Err() == nil {
		s.log.Warn("listing the indicators in the background", "err", err)
	}
}
