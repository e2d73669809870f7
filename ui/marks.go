package ui

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/graph"
)

// KindViewSaved records a named filter set of the sources table (a saved
// view): who saved it, when, and the query it stands for. Saving a view of
// the same name again is a new entry; the latest one counts.
const KindViewSaved = "view.saved"

// ViewPayload is the payload of a view.saved entry.
type ViewPayload struct {
	Name    string `json:"name"`
	Page    string `json:"page"`  // "sources"
	Query   string `json:"query"` // the page's query string, filters and sort
	Summary string `json:"summary"`
}

// savedView is a saved view as the page lists it.
type savedView struct {
	ViewPayload
	Entry uint64
	Actor string
	Time  time.Time
}

// Href is the link that shows the view.
func (v savedView) Href() string { return "/" + v.Page + "?" + v.Query }

// recordedMark is the latest assessment.recorded entry.
type recordedMark struct {
	Entry   uint64
	Time    time.Time
	Actor   string
	Payload *graph.AssessmentPayload
}

// caseMarks follows the custody log for what the sources page names besides
// the assessment itself: the saved views and the latest recorded
// assessment. It reads only the entries added since it last looked, so
// asking costs nothing on a log that did not grow.
type caseMarks struct {
	mu    sync.Mutex
	next  uint64
	views []savedView // by name, latest entry of each name, in order of first saving
	last  *recordedMark
	// affecting are the indexes of the entries that can change an
	// assessment (graph.AffectsAssessment), ascending.
	affecting []uint64
}

// changedBetween reports whether an entry that can change an assessment
// lies in [lo, hi) (in either order). m.mu is held.
func (m *caseMarks) changedBetween(lo, hi uint64) bool {
	if lo > hi {
		lo, hi = hi, lo
	}
	i, _ := slices.BinarySearch(m.affecting, lo)
	return i < len(m.affecting) && m.affecting[i] < hi
}

// read brings the marks up to date and calls fn with them.
func (m *caseMarks) read(c *evidence.Case, fn func(views []savedView, last *recordedMark)) error {
	return m.readAll(c, func(m *caseMarks) { fn(m.views, m.last) })
}

// readAll brings the marks up to date and calls fn with them all.
func (m *caseMarks) readAll(c *evidence.Case, fn func(m *caseMarks)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if size := c.Log().Size(); m.next < size {
		// Only the kinds read here are parsed (views and logins are most
		// of a busy log).
		keep := func(k string) bool {
			return graph.AffectsAssessment(k) || k == graph.KindAssessment || k == KindViewSaved
		}
		err := c.EntriesOfKinds(m.next, size, keep, func(e *evidence.Entry) error {
			if graph.AffectsAssessment(e.Kind) {
				m.affecting = append(m.affecting, e.Index)
			}
			switch e.Kind {
			case graph.KindAssessment:
				p, err := graph.ReadAssessment(e)
				if err != nil {
					return err
				}
				m.last = &recordedMark{Entry: e.Index, Time: e.Time.UTC(), Actor: e.Actor, Payload: p}
			case KindViewSaved:
				var p ViewPayload
				if err := json.Unmarshal(e.Payload, &p); err != nil {
					return fmt.Errorf("entry %d: %w", e.Index, err)
				}
				v := savedView{ViewPayload: p, Entry: e.Index, Actor: e.Actor, Time: e.Time.UTC()}
				replaced := false
				for i := range m.views {
					if m.views[i].Name == p.Name && m.views[i].Page == p.Page {
						m.views[i], replaced = v, true
					}
				}
				if !replaced {
					m.views = append(m.views, v)
				}
			}
			m.next = e.Index + 1 // a walk that fails later resumes after it
			return nil
		})
		if err != nil {
			return err
		}
		m.next = size
	}
	fn(m)
	return nil
}
