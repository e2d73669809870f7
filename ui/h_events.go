package ui

import (
	"net/http"

	"github.com/casefile/casefile/evidence/annotate"
	"github.com/casefile/casefile/evidence/parse"
)

type eventRow struct {
	*parse.Event
	Link   string
	Target annotate.Target // how annotations cite the event
	Marks  []annotate.Mark // its tags, star and comments
}

type eventsData struct {
	F       eventFilter
	Rows    []eventRow
	Kinds   []string
	Next    string
	Prev    string
	HasPrev bool
	HasNext bool
	First   int
}

// eventList shows parsed events, filtered by the URL, a page at a time. Each
// event links to its preserved line.
func (h *handler) eventList(w http.ResponseWriter, r *http.Request) {
	s := h.s
	f, q := readEventFilter(r.URL.Query())
	d := eventsData{F: f, Kinds: kinds(), First: f.Offset + 1}
	if f.Bad == "" {
		evs, err := s.queryEvents(r.Context(), q)
		if err != nil {
			s.fail(w, r, false, http.StatusInternalServerError, err)
			return
		}
		refs := make([]string, len(evs))
		for i, e := range evs {
			d.Rows = append(d.Rows, eventRow{Event: e, Link: eventLink(e.Citation), Target: annotate.EventTarget(e.Citation)})
			refs[i] = d.Rows[i].Target.Ref
		}
		marks := s.annots.marksOf(refs)
		for i := range d.Rows {
			d.Rows[i].Marks = marks[d.Rows[i].Target.Ref]
		}
	}
	if len(d.Rows) > f.Limit {
		d.Rows, d.HasNext, d.Next = d.Rows[:f.Limit], true, f.query(f.Offset+f.Limit)
	}
	if f.Offset > 0 {
		d.HasPrev, d.Prev = true, f.query(max(0, f.Offset-f.Limit))
	}
	s.render(w, r, http.StatusOK, "events", s.newView(r, "Events", "events", d))
}
