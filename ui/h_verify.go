package ui

import (
	"net/http"
)

// verifyRun verifies the whole case now and goes back to the overview.
func (h *handler) verifyRun(w http.ResponseWriter, r *http.Request) {
	if _, err := h.s.VerifyNow(r.Context()); err != nil {
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	http.Redirect(w, r, "/#verification", http.StatusSeeOther)
}
