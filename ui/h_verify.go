package ui

import (
	"context"
	"fmt"
	"net/http"

	"github.com/casefile/casefile/evidence"
)

// verifyRun verifies the whole case now and goes back to the overview.
func (h *handler) verifyRun(w http.ResponseWriter, r *http.Request) {
	if _, err := h.s.verifyAsked(r.Context(), principalOf(r)); err != nil {
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	http.Redirect(w, r, "/#verification", http.StatusSeeOther)
}

// verifyAsked records who asked for a verification (verify.started), then
// runs it: the entry is recorded first so that the run covers it, and the
// badge does not count it as newer than the check.
func (s *Server) verifyAsked(ctx context.Context, p *principal) (*evidence.Report, error) {
	payload := map[string]any{"user": p.user.Name, "role": p.user.Role,
		"summary": fmt.Sprintf("%s asked for a verification of the whole case (%d entries, this one included)", p.user.Name, s.c.Log().Size()+1)}
	if _, err := s.c.Append(ctx, evidence.Draft{Kind: KindVerifyStarted, Actor: actorOf(p), Payload: payload}); err != nil {
		return nil, err
	}
	return s.VerifyNow(ctx)
}
