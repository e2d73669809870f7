package ui

import (
	"encoding/base64"
	"net/http"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/graph/attrib"
)

type roleCount struct {
	Role  string
	N     int
	Risky int
}

type overviewData struct {
	Info       evidence.CaseInfo
	Dir        string
	Examiners  []string
	Entries    int
	Artefacts  int
	Events     int64
	Malformed  int64
	Indicators int
	Sources    int
	Risky      int
	Roles      []roleCount
	Report     *evidence.Report
	Checkpoint *evidence.CheckpointInfo
	Recent     []entryLine
	// Listed is false while the indicators are being listed.
	Listed bool
	// Assessed is false while no assessment is held: Sources and Risky
	// count nothing yet (the page's notice says why).
	Assessed bool
}

// overview shows the case at a glance: who, how much, whether it verifies.
func (h *handler) overview(w http.ResponseWriter, r *http.Request) {
	s := h.s
	d := overviewData{Dir: s.c.Dir}
	info, err := s.c.Info()
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	d.Info = info
	recent, total, err := s.cat.query(logFilter{Newest: true, Limit: 8})
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	d.Recent, d.Entries = recent, total
	_, actors, _ := s.cat.facets()
	d.Examiners = actors
	arts, _ := s.cat.listArtefacts()
	d.Artefacts = len(arts)
	runs, err := s.events.Current()
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	for _, run := range runs {
		d.Events += run.Events
		d.Malformed += run.Malformed
	}
	// Listing the indicators of millions of events takes seconds, after
	// each upload: the overview waits for it as briefly as for the
	// assessment, then says they are being listed.
	inds, listed, err := s.assess.indicatorsWithin(r.Context(), s.now().Add(s.assessWait()))
	if err != nil {
		s.log.Warn("listing the indicators", "err", err)
	}
	d.Indicators, d.Listed = len(inds), listed
	if !listed {
		keepUntil(r, s.now())
	}
	// The overview is not replaced by the page saying that the
	// assessment is being made: it says so above what rests on the log.
	note, res, err := s.note(r)
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	if res != nil {
		d.Assessed = true
		d.Sources = len(res.rows)
		idx := map[string]int{}
		for _, role := range attrib.Verdicts() {
			idx[role] = len(d.Roles)
			d.Roles = append(d.Roles, roleCount{Role: role})
		}
		for i := range res.rows {
			src := &res.rows[i]
			rc := &d.Roles[idx[src.Role]]
			rc.N++
			if src.Risk > 0.2 {
				d.Risky++
				rc.Risky++
			}
		}
	}
	d.Report, _, _ = s.verify.state()
	if note := s.c.Log().Checkpoint(); note != nil {
		if cp, err := evidence.OpenCheckpoint(note, s.c.Verifier()); err == nil {
			d.Checkpoint = &evidence.CheckpointInfo{Size: cp.Size, Root: base64.StdEncoding.EncodeToString(cp.Root[:])}
		}
	}
	page := s.newView(r, "Overview", "overview", d)
	page.Assess = note
	s.render(w, r, http.StatusOK, "overview", page)
}
