package ui

import (
	"net/http"

	"github.com/casefile/casefile/graph/triage"
)

// apiSources is the sources table as JSON, with the page's filters, sort
// and paging (the same query parameters), and whether the assessment it
// rests on is recorded, and the saved views.
func (h *handler) apiSources(w http.ResponseWriter, r *http.Request) {
	s := h.s
	v := s.assessed(w, r, true)
	if v == nil {
		return
	}
	v.done() // the table reads the rows alone
	t := v.t
	st, err := s.recordState(t)
	if err != nil {
		s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	tq := readTableQuery(r.URL.Query())
	p := t.page(tq.F, tq.Sort, tq.Desc, tq.Offset, tq.Limit)
	rows := p.Rows
	if rows == nil {
		rows = []*triage.Row{}
	}
	out := map[string]any{"model": t.res.head.Model, "model_digest": t.res.head.ModelDigest, "tree_size": t.size,
		"recorded": st.Recorded, "sources": rows, "total": p.Total, "all": len(t.rows), "offset": tq.Offset, "limit": tq.Limit,
		"sort": tq.Sort, "desc": tq.Desc, "filter": tq.F.Values(), "assessment_state": v.state()}
	views := []map[string]any{}
	if err := s.marks.read(s.c.Case, func(vs []savedView, _ *recordedMark) {
		for _, v := range vs {
			if v.Page == "sources" {
				views = append(views, map[string]any{"name": v.Name, "query": v.Query, "entry": v.Entry, "actor": v.Actor, "time": v.Time})
			}
		}
	}); err != nil {
		s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	out["views"] = views
	if st.Last != nil {
		out["last_recorded"] = map[string]any{"entry": st.Last.Entry, "time": st.Last.Time, "actor": st.Last.Actor, "result_root": st.Last.Payload.ResultRoot}
	}
	writeJSON(w, http.StatusOK, out)
}
