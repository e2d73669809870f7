package ui

import (
	"net/http"
)

type exportFormData struct {
	Artefacts []artefactInfo
	Indicator string
	Previous  []entryLine
	Error     string
	Req       exportRequest
}

// exportForm asks for the scope, the recipient, the purpose and the
// authorization of a package.
func (h *handler) exportForm(w http.ResponseWriter, r *http.Request) {
	h.renderExportForm(w, r, http.StatusOK, exportRequest{Indicators: []string{r.URL.Query().Get("indicator")}}, "")
}

func (h *handler) renderExportForm(w http.ResponseWriter, r *http.Request, status int, req exportRequest, msg string) {
	s := h.s
	d := exportFormData{Error: msg, Req: req}
	if len(req.Indicators) > 0 {
		d.Indicator = req.Indicators[0]
	}
	d.Artefacts, _ = s.cat.listArtefacts()
	d.Previous, _, _ = s.cat.query(logFilter{Kind: "export.created", Newest: true, Limit: 20})
	note, _, err := s.note(r)
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	if note != nil {
		note.Waits = "A package made now waits for it: its findings are the assessment of the case as it stands, recorded."
	}
	page := s.newView(r, "Export", "export", d)
	page.Assess = note
	s.render(w, r, status, "export", page)
}
