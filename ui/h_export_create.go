package ui

import (
	"errors"
	"net/http"
	"strings"
)

// exportCreate builds the package and shows where to download it.
func (h *handler) exportCreate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		h.s.fail(w, r, false, http.StatusBadRequest, err)
		return
	}
	req := exportRequest{Recipient: r.PostFormValue("recipient"), Purpose: r.PostFormValue("purpose"),
		Authorization: r.PostFormValue("authorization"), TLP: r.PostFormValue("tlp")}
	if r.PostFormValue("scope") == "selection" {
		req.Indicators = strings.FieldsFunc(r.PostFormValue("indicators"), func(c rune) bool { return c == ',' || c == '\n' || c == ' ' || c == '\r' })
		req.Artefacts = r.PostForm["artefact"]
		if len(req.Indicators)+len(req.Artefacts) == 0 {
			h.renderExportForm(w, r, http.StatusBadRequest, req, "Choose at least one indicator or artefact, or export the whole case.")
			return
		}
	}
	f, err := h.s.buildExport(r.Context(), principalOf(r), req)
	if errors.Is(err, errExportInput) {
		h.renderExportForm(w, r, http.StatusBadRequest, req, "Recipient and purpose are required, and artefacts must be SHA-256 digests.")
		return
	}
	if err != nil {
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	http.Redirect(w, r, "/exports/"+f.ID, http.StatusSeeOther)
}
