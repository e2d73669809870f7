package ui

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// DefaultAssessWait is how long after an assessment begins a page that
// needs it waits for it, before it shows the one held or says that it is
// being made: a small case is assessed within it, so its pages do not
// flicker through a notice after each change, and a page never waits
// longer than that for an assessment of a large case (ten minutes for
// 10^8 events).
const DefaultAssessWait = time.Second

// assessRefresh is how often, in seconds, the page saying that the
// assessment is being made reloads itself, to show it once it is made.
const assessRefresh = 5

// maxNoticeChanges bounds the entries a notice lists as not yet assessed.
const maxNoticeChanges = 5

// assessView is the assessment a page shows: the one held, which is of the
// case as it stands unless note says otherwise.
type assessView struct {
	h    *heldAssessment // nil: none made yet (note says why)
	t    *triageTable    // h's sources table
	size uint64          // the log entries h rests on
	done func()          // the page has read h's sources (heldAssessment.use)
	note *assessNotice   // nil: h is the assessment of the case as it stands
}

// assessNotice is what a page says when the assessment it shows is not of
// the case as it stands, or when there is none yet: counsel must never
// read a page that looks current but is not.
type assessNotice struct {
	Making   bool      // an assessment of the case as it stands is being made
	Since    time.Time // when it began
	Progress string    // how far it got, counted ("": nothing counted)
	Failed   string    // the last attempt failed with this
	FailedAt time.Time
	Held     bool   // an earlier assessment is shown
	Size     uint64 // the log entries it rests on
	LogSize  uint64 // the log entries now
	// Changes are the first entries since Size that can change the
	// assessment (an upload, a parse, an enrichment, a verdict), More how
	// many others.
	Changes []entryLine
	More    int
	// Waits, when set, says what the page would make that waits for the
	// newer assessment (an export records the case as it stands).
	Waits string
}

// assessWait is the server's Config.AssessWait, or its default.
func (s *Server) assessWait() time.Duration {
	switch w := s.cfg.AssessWait; {
	case w < 0:
		return 0
	case w == 0:
		return DefaultAssessWait
	default:
		return w
	}
}

// view returns the assessment to show now, starting a newer one in the
// background when the case changed since the one held, and waiting for
// the one being made only until it has run the server's assessWait.
func (a *assessCache) view(ctx context.Context) *assessView {
	a.mu.Lock()
	a.want()
	var until time.Time
	if a.run != nil {
		until = a.run.since.Add(a.s.assessWait())
	}
	a.mu.Unlock()
	if !until.IsZero() && a.s.now().Before(until) {
		a.wait(ctx, until)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	v := &assessView{done: func() {}}
	if a.hasRes {
		v.h, v.t, v.size, v.done = a.held, a.tab, a.resSize, a.held.use()
		if a.resGen == a.gen.Load() {
			return v
		}
	}
	n := &assessNotice{Held: a.hasRes, Size: a.resSize, LogSize: a.s.c.Log().Size()}
	if r := a.run; r != nil {
		n.Making, n.Since, n.Progress = true, r.since, progressWords(r)
	}
	if f := a.failed; f != nil && (!a.hasRes || f.gen > a.resGen) {
		n.Failed, n.FailedAt = f.err.Error(), f.at
	}
	v.note = n
	return v
}

// note is what a page of r that shows only part of the assessment (the
// overview's counts) or none of it but rests on it (the export and notify
// forms) says of it, nil when it is of the case as it stands, and the
// assessment held (nil: none yet), for the page to read before it
// returns. Such a page is not replaced by the one saying the assessment
// is being made.
func (s *Server) note(r *http.Request) (*assessNotice, *heldAssessment, error) {
	v := s.assess.view(r.Context())
	v.done() // the rows are enough
	if v.note == nil {
		return nil, v.h, nil
	}
	keepUntil(r, s.now())
	return v.note, v.h, s.changes(v.note)
}

// changes lists the entries since the assessment n shows that can change
// it, so that a verdict just recorded is seen to be waiting, not lost.
func (s *Server) changes(n *assessNotice) error {
	if !n.Held {
		return nil
	}
	var idx []uint64
	err := s.marks.readAll(s.c.Case, func(m *caseMarks) {
		for _, i := range m.affecting {
			if i >= n.Size {
				idx = append(idx, i)
			}
		}
	})
	if err != nil {
		return err
	}
	for _, i := range idx {
		if len(n.Changes) == maxNoticeChanges {
			n.More++
			continue
		}
		if l, ok, err := s.cat.line(i); err != nil {
			return err
		} else if ok {
			n.Changes = append(n.Changes, l)
		}
	}
	return nil
}

// progressWords says how far r got, in counted figures only.
func progressWords(r *assessRun) string {
	p, known, table := r.progress()
	switch {
	case table:
		return "the sources are assessed; their table (activity, networks, countries) is being derived"
	case !known:
		return ""
	case p.Sources > 0:
		return fmt.Sprintf("the events are read; %s of %s sources judged", count(p.Judged), count(p.Sources))
	case p.Pass == 1:
		return fmt.Sprintf("%s of %s events read", count(p.Read), count(p.Events))
	case p.Pass > 1:
		return fmt.Sprintf("%s of %s events read again (reading %d: the case has too many sources to judge at once, so they are divided among temporary files)", count(p.Read), count(p.Events), p.Pass)
	}
	return ""
}

// count writes n with thousands separated: 12,345,678.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return s
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// assessed is the assessment a page of r shows. When there is none yet it
// answers r itself, saying that the assessment is being made (or why it
// failed), and returns nil; else the caller shows v.note, when set, with
// what it shows, and calls v.done.
func (s *Server) assessed(w http.ResponseWriter, r *http.Request, api bool) *assessView {
	v := s.assess.view(r.Context())
	if v.note != nil {
		// What it says of the newer assessment changes as it is made:
		// the page cache does not keep it.
		keepUntil(r, s.now())
		if err := s.changes(v.note); err != nil {
			v.done()
			s.fail(w, r, api, http.StatusInternalServerError, err)
			return nil
		}
	}
	if v.h != nil {
		return v
	}
	s.notYet(w, r, api, v.note)
	return nil
}

// notYet answers r, which needs an assessment not made yet (or one that
// only the newer assessment n tells of, a source just ingested), saying
// that it is being made, or why it failed.
func (s *Server) notYet(w http.ResponseWriter, r *http.Request, api bool, n *assessNotice) {
	if api || wantsJSON(r) {
		status, msg := http.StatusServiceUnavailable, "The assessment of the case is being made; ask again later."
		if n.Failed != "" && !n.Making {
			status, msg = http.StatusInternalServerError, "The assessment of the case failed: "+n.Failed
		} else {
			w.Header().Set("Retry-After", strconv.Itoa(assessRefresh))
		}
		writeJSON(w, status, map[string]any{"error": msg, "status": status, "assessment_state": n.state()})
		return
	}
	status := http.StatusOK
	if n.Failed != "" && !n.Making {
		status = http.StatusInternalServerError
	}
	page := s.newView(r, "Assessment being made", navOf(r), n)
	page.Refresh = assessRefresh
	s.render(w, r, status, "assessing", page)
}

// assessState is what an API answer says of the assessment it rests on.
type assessState struct {
	TreeSize uint64 `json:"tree_size,omitempty"` // the log entries the answer rests on (none: no assessment yet)
	// Current is false when the case changed since: the answer is of an
	// earlier assessment, and a newer one is being made (Assessing) or
	// failed (Error).
	Current   bool       `json:"current"`
	Assessing bool       `json:"assessing,omitempty"`
	Since     *time.Time `json:"assessing_since,omitempty"`
	Progress  string     `json:"progress,omitempty"`
	Error     string     `json:"error,omitempty"`
	ErrorAt   *time.Time `json:"error_at,omitempty"`
	LogSize   uint64     `json:"log_size,omitempty"`
	Changes   []uint64   `json:"changes_since,omitempty"` // the first entries after tree_size that can change it
}

// withState adds to an API answer of the assessment's own shape (`assess
// --json`, which it mirrors) what it rests on, when that is not the case
// as it stands: an answer without assessment_state is of the case as it
// stands.
func (v *assessView) withState(m map[string]any) map[string]any {
	if v.note != nil {
		m["assessment_state"] = v.note.state()
	}
	return m
}

// state is what an API answer resting on v says of it.
func (v *assessView) state() assessState {
	if v.note == nil {
		return assessState{TreeSize: v.size, Current: true}
	}
	return v.note.state()
}

func (n *assessNotice) state() assessState {
	st := assessState{Assessing: n.Making, Progress: n.Progress, Error: n.Failed, LogSize: n.LogSize}
	if n.Held {
		st.TreeSize = n.Size
	}
	if n.Making {
		st.Since = &n.Since
	}
	if n.Failed != "" {
		st.ErrorAt = &n.FailedAt
	}
	for _, c := range n.Changes {
		st.Changes = append(st.Changes, c.Index)
	}
	return st
}

// navOf is the tab a page of r belongs to.
func navOf(r *http.Request) string {
	switch p := r.URL.Path; {
	case p == "/":
		return "overview"
	case len(p) >= 6 && p[:6] == "/graph":
		return "graph"
	}
	return "sources"
}
