package ui

import (
	"net/http"

	"github.com/casefile/casefile/evidence/parse"
)

type ingestFormData struct {
	MaxUpload int64
	Formats   []string
}

// ingestForm is the upload form.
func (h *handler) ingestForm(w http.ResponseWriter, r *http.Request) {
	d := ingestFormData{MaxUpload: h.s.cfg.MaxUpload}
	for _, p := range parse.Parsers() {
		d.Formats = append(d.Formats, p.Name())
	}
	h.s.render(w, r, http.StatusOK, "ingest", h.s.newView(r, "Ingest", "ingest", d))
}
