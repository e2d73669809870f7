package ui

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/annotate"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/parse"
)

// maxPreservedLine bounds the bytes of a preserved line shown in the
// detail pane (the content view shows the rest).
const maxPreservedLine = 16 << 10

type eventDetail struct {
	Row       eventRow
	Fields    [][2]string
	Line      string // the preserved line, read back from the artefact
	LineCut   bool
	LineWhy   string // why the line is not shown
	Artefact  string // its name
	Permalink string
	// RecordedHole stands for the note naming the entry that records
	// this view of the line (recordLineView fills it).
	RecordedHole string
	Annot        annotRef // its tags, star and comments, and the forms to add them
}

func detailPath(run string, seq uint32) string {
	return "/events/" + run + "/" + strconv.FormatUint(uint64(seq), 10)
}

// eventDetailPage shows one event: every field, its citation, and the
// line it was read from, read back from the preserved artefact. The
// timeline loads it into its detail pane; it is a page of its own too.
// The page is made for the page cache (routes.go): the line shown is
// recorded as an evidence.viewed entry for each visit by recordLineView,
// as the content view records its pages, and the page keeps what that
// entry says (lineView).
func (h *handler) eventDetailPage(w http.ResponseWriter, r *http.Request) {
	s := h.s
	vars := mux.Vars(r)
	seq, err := strconv.ParseUint(vars["seq"], 10, 32)
	if err != nil {
		s.fail(w, r, false, http.StatusNotFound, nil)
		return
	}
	e, err := s.events.EventAt(vars["run"], uint32(seq))
	if errors.Is(err, evidence.ErrNotFound) {
		s.fail(w, r, false, http.StatusNotFound, nil)
		return
	} else if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	d := eventDetail{Row: newEventRow(eventstore.Hit{Run: vars["run"], Seq: uint32(seq), Event: e}), Permalink: detailPath(vars["run"], uint32(seq))}
	d.Artefact = e.Citation.Artefact
	d.Annot = s.annotOf(annotate.EventTarget(e.Citation), d.Permalink+"#annotations")
	if dg, err := evidence.ParseDigest(e.Citation.Artefact); err == nil {
		if runs, err := s.events.RunsOf(dg); err == nil && len(runs) > 0 {
			d.Artefact = runs[len(runs)-1].Name
		}
	}
	add := func(k, v string) {
		if v != "" {
			d.Fields = append(d.Fields, [2]string{k, v})
		}
	}
	add("time (UTC)", fmtTime(e.Time))
	if !e.Time.IsZero() {
		add("time as logged", e.Time.Format("2006-01-02 15:04:05.999999999 -07:00"))
	}
	add("time note", e.TimeNote)
	add("kind", e.Kind)
	add("action", e.Action)
	add("outcome", e.Outcome)
	add("source", e.Src)
	if e.SrcPort != 0 {
		add("source port", strconv.Itoa(e.SrcPort))
	}
	add("source service", e.SrcService)
	add("destination", e.Dst)
	if e.DstPort != 0 {
		add("destination port", strconv.Itoa(e.DstPort))
	}
	add("user", e.User)
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		add(k, e.Fields[k])
	}
	v := s.newView(r, "Event", "events", &d)
	switch c := e.Citation; {
	case !v.can("content"):
		d.LineWhy = "Your role does not show artefact content."
	case c.Line == 0 || c.Member != "":
		d.LineWhy = "This event was read from a record or a compressed stream: open it in the content view."
	default:
		line, cut, err := readPreservedLine(s, c)
		if err != nil {
			d.LineWhy = "The line could not be read: " + err.Error()
			break
		}
		m := makingOf(r)
		if m == nil { // only recordLineView records the view: never show the line without it
			s.fail(w, r, false, http.StatusInternalServerError, errors.New("the event page was made outside the page cache"))
			return
		}
		m.note = &lineView{artefact: c.Artefact, offset: c.Offset, bytes: len(line), line: c.Line}
		d.Line, d.LineCut, d.RecordedHole = string(line), cut, s.pages.standIn[holeRecorded]
	}
	s.render(w, r, http.StatusOK, "event", v)
}

// lineView is what showing an event's preserved line records.
type lineView struct {
	artefact string
	offset   int64
	bytes    int
	line     int64
}

// recordLineView records the view of the line an event page shows, before
// the page is sent: the custody log must name everyone who saw the
// evidence, so no line leaves without its entry committed, durably (a view
// recorded lazily could be lost to a power failure after the line was
// shown). It returns the page's note saying so. Visitors at once do not
// each wait for a commit of their own: the log commits the views queued
// while one commit runs together, with one fsync (evidence.Log.Append).
func (h *handler) recordLineView(r *http.Request, page *cachedPage) ([]byte, error) {
	lv, _ := page.note.(*lineView)
	if lv == nil {
		return nil, nil // no line shown
	}
	p := principalOf(r)
	lines := strconv.FormatInt(lv.line, 10)
	payload := map[string]any{"artefact": lv.artefact, "mode": "line", "offset": lv.offset, "bytes": lv.bytes,
		"lines": lines + "-" + lines, "user": p.user.Name, "role": p.user.Role}
	es, err := h.s.c.Append(r.Context(), evidence.Draft{Kind: KindEvidenceViewed, Actor: actorOf(p), Payload: payload})
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := h.s.tpl.pages["event"].ExecuteTemplate(&b, "event-recorded", es[0]); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// readPreservedLine reads the cited line from the preserved artefact.
func readPreservedLine(s *Server, c parse.Citation) ([]byte, bool, error) {
	d, err := evidence.ParseDigest(c.Artefact)
	if err != nil {
		return nil, false, err
	}
	ar, err := s.c.OpenArtefact(d)
	if err != nil {
		return nil, false, err
	}
	buf := make([]byte, maxPreservedLine+1)
	n, err := ar.ReadAt(buf, c.Offset)
	if n == 0 && err != nil {
		return nil, false, fmt.Errorf("at byte %d: %w", c.Offset, err)
	}
	buf = buf[:n]
	if i := bytes.IndexByte(buf, '\n'); i >= 0 {
		return bytes.TrimSuffix(buf[:i], []byte("\r")), false, nil
	}
	return buf[:min(len(buf), maxPreservedLine)], len(buf) > maxPreservedLine, nil
}
