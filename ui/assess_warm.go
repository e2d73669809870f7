package ui

// WarmGraph assesses the case and builds its provenance graph and its
// sources table in the background, so that the first visit of the graph
// page does not wait for them (on the real-sample case, about 1.2 s of the
// first request), nor the first of the sources page (a pass over every
// event: minutes for a million events on a busy machine).
// `casefile serve` calls it; tests do not, to keep their servers idle.
// Close waits for it; an error is left for the page to report.
func (s *Server) WarmGraph() {
	s.bg.Go(func() {
		if _, err := s.assess.graphOf(s.ctx); err != nil && s.ctx.Err() == nil {
			s.log.Warn("building the graph in the background", "err", err)
		}
		if _, err := s.table(s.ctx); err != nil && s.ctx.Err() == nil {
			s.log.Warn("deriving the sources table in the background", "err", err)
		}
	})
}
