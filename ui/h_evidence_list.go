package ui

import (
	"net/http"

	"github.com/casefile/casefile/evidence/eventstore"
)

type artefactRow struct {
	artefactInfo
	Run *eventstore.Run
}

// evidenceList lists every preserved artefact with its hash, size, source,
// who ingested it and when, and how it was parsed.
func (h *handler) evidenceList(w http.ResponseWriter, r *http.Request) {
	s := h.s
	arts, err := s.cat.listArtefacts()
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	runs, err := s.events.Current()
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	byArt := map[string]*eventstore.Run{}
	for _, run := range runs {
		byArt[hexOf(run.Artefact)] = run
	}
	rows := make([]artefactRow, 0, len(arts))
	for _, a := range arts {
		rows = append(rows, artefactRow{a, byArt[a.SHA256]})
	}
	s.render(w, r, http.StatusOK, "evidence", s.newView(r, "Evidence", "evidence", rows))
}
