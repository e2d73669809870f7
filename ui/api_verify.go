package ui

import (
	"net/http"
	"time"

	"github.com/casefile/casefile/evidence"
)

// verifyJSON is `verify --json` with when it was checked.
type verifyJSON struct {
	*evidence.Report
	Checked string `json:"checked,omitempty"`
	Running bool   `json:"running"`
}

// apiVerify returns the latest verification report (`verify --json`).
func (h *handler) apiVerify(w http.ResponseWriter, r *http.Request) {
	rep, at, busy := h.s.verify.state()
	out := verifyJSON{Report: rep, Running: busy}
	if rep != nil {
		out.Checked = at.Format(time.RFC3339)
	}
	writeJSON(w, http.StatusOK, out)
}

// apiVerifyRun verifies the case now.
func (h *handler) apiVerifyRun(w http.ResponseWriter, r *http.Request) {
	rep, err := h.s.verifyAsked(r.Context(), principalOf(r))
	if err != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	_, at, _ := h.s.verify.state()
	writeJSON(w, http.StatusOK, verifyJSON{Checked: at.Format(time.RFC3339), Report: rep})
}
