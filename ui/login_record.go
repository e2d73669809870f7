package ui

import (
	"context"
	"time"

	"github.com/casefile/casefile/evidence"
)

// recordLoginFailures writes, once a source's window is over, one
// user.login_failed entry with what it tried in that window (and, when the
// server stops, the entries of the windows still open), so that a guessing
// source costs one custody entry a minute, not one per guess.
func (s *Server) recordLoginFailures() {
	t := time.NewTicker(failWindow / 6)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.flushLoginFailures(false)
		case <-s.ctx.Done():
			s.flushLoginFailures(true)
			return
		}
	}
}

// flushLoginFailures records the summaries of the windows that are over
// (of all windows when all is set).
func (s *Server) flushLoginFailures(all bool) {
	for _, f := range s.login.ended(all) {
		names := make([]string, len(f.Names))
		for i, n := range f.Names {
			names[i] = escaped(n)
		}
		p := map[string]any{"remote": f.Source, "failed": f.Failed, "refused": f.Refused,
			"users": names, "from": f.From.UTC().Format(time.RFC3339), "to": f.To.UTC().Format(time.RFC3339)}
		if f.More > 0 {
			p["more_users"] = f.More
		}
		if _, err := s.c.Append(context.Background(), evidence.Draft{Kind: KindUserLoginFailed, Actor: s.cfg.Actor, Payload: p}); err != nil {
			s.log.Error("recording failed logins", "remote", f.Source, "err", err)
		}
	}
}
