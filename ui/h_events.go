package ui

import (
	"net/http"
	"time"

	"github.com/casefile/casefile/evidence/annotate"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/parse"
)

type eventRow struct {
	*parse.Event
	Run     string
	Seq     uint32
	Message string
	Link    string          // the preserved line in the content view
	Detail  string          // the detail pane
	Offset  string          // the UTC offset the log gave, when not UTC
	Target  annotate.Target // how annotations cite the event
	Marks   []annotate.Mark // its tags, star and comments
}

type eventsData struct {
	S       searchState
	Rows    []eventRow
	Total   int64
	Hist    *histView
	Cols    []struct{ Key, Label string }
	Show    map[string]bool
	Saved   []eventstore.SavedSearch
	Next    string
	Prev    string
	HasPrev bool
	HasNext bool
	First   int
	TimeAsc string // the link that orders by time, the other way when already so
	TookMS  int64  // how long the search took
	Limits  []int
}

// eventList is the timeline: every event of every artefact in time order
// (or as searched and ordered), with the total, a histogram that zooms,
// chosen columns, a page of events and links to each one's detail.
func (h *handler) eventList(w http.ResponseWriter, r *http.Request) {
	s := h.s
	st, q := readSearch(r.URL.Query(), "time")
	d := eventsData{S: st, Cols: timelineCols, Show: map[string]bool{}, First: st.Offset + 1, Limits: []int{50, 100, 200, 500}}
	for _, c := range st.Cols {
		d.Show[c] = true
	}
	d.TimeAsc = st.withSort("time")
	if st.Sort == "time" {
		d.TimeAsc = st.withSort("-time")
	}
	var err error
	if d.Saved, err = eventstore.SavedSearches(s.c.Case); err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	if st.Bad == "" {
		start := time.Now()
		res, err := s.search(r.Context(), q, eventstore.SearchOptions{Sort: st.storeSort(), Offset: st.Offset, Limit: st.Limit})
		if err != nil {
			s.fail(w, r, false, http.StatusInternalServerError, err)
			return
		}
		d.TookMS = time.Since(start).Milliseconds()
		d.Total = res.Total
		d.Hist = newHistView(st, q, res.Histogram)
		refs := make([]string, 0, len(res.Hits))
		for _, hit := range res.Hits {
			row := newEventRow(hit)
			row.Target = annotate.EventTarget(hit.Event.Citation)
			refs = append(refs, row.Target.Ref)
			d.Rows = append(d.Rows, row)
		}
		marks := s.annots.marksOf(refs)
		for i := range d.Rows {
			d.Rows[i].Marks = marks[d.Rows[i].Target.Ref]
		}
		if int64(st.Offset+st.Limit) < res.Total {
			d.HasNext, d.Next = true, st.Link(st.Q, st.Offset+st.Limit)
		}
	}
	if st.Offset > 0 {
		d.HasPrev, d.Prev = true, st.Link(st.Q, max(0, st.Offset-st.Limit))
	}
	s.render(w, r, http.StatusOK, "events", s.newView(r, "Events", "events", d))
}

func newEventRow(hit eventstore.Hit) eventRow {
	e := hit.Event
	row := eventRow{Event: e, Run: hit.Run, Seq: hit.Seq, Message: eventMessage(e), Link: eventLink(e.Citation),
		Detail: detailPath(hit.Run, hit.Seq)}
	if _, off := e.Time.Zone(); off != 0 && !e.Time.IsZero() {
		row.Offset = e.Time.Format("-07:00")
	}
	return row
}
