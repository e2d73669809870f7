package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/annotate"
)

// annotationRequest is the JSON body of POST /api/v1/annotations (action
// tag, untag, star, unstar or withdraw) and /api/v1/annotations/comment.
type annotationRequest struct {
	Action string `json:"action"`
	Target string `json:"target"`
	Offset int64  `json:"offset"`
	Tag    string `json:"tag"`
	Text   string `json:"text"`
	Entry  uint64 `json:"entry"`
}

// apiAnnotations lists the current tags, stars and comments (?target=REF
// for one target).
func (h *handler) apiAnnotations(w http.ResponseWriter, r *http.Request) {
	ref := ""
	if q := r.URL.Query().Get("target"); q != "" {
		t, err := annotate.ParseTarget(q)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": refusal(err), "status": http.StatusBadRequest})
			return
		}
		ref = t.Ref
	}
	marks := []annotate.Mark{}
	if err := h.s.annots.read(func(st *annotate.State) { marks = append(marks, st.Marks(ref)...) }); err != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"marks": marks})
}

func (h *handler) apiAnnotate(w http.ResponseWriter, r *http.Request) { h.apiMark(w, r, false) }

func (h *handler) apiComment(w http.ResponseWriter, r *http.Request) { h.apiMark(w, r, true) }

func (h *handler) apiMark(w http.ResponseWriter, r *http.Request, comment bool) {
	var req annotationRequest
	if !readJSON(w, r, &req) {
		return
	}
	if comment {
		req.Action = "comment"
	} else if req.Action == "comment" {
		req.Action = "" // comments have their own route (counsel may comment)
	}
	h.apiRecord(w, r, func(st *annotate.State) (annotate.Change, error) {
		if req.Action == "withdraw" {
			return st.PlanWithdraw(req.Entry)
		}
		t, err := annotate.ParseTarget(req.Target)
		if err != nil {
			return annotate.Change{}, err
		}
		if t.Type == annotate.TargetEvent && req.Offset > 0 {
			t.Offset = req.Offset
		}
		if req.Action == "tag" || req.Action == "star" || req.Action == "comment" {
			if err := annotate.Check(h.s.c.Case, t); err != nil {
				return annotate.Change{}, err
			}
		}
		switch req.Action {
		case "tag":
			return st.PlanTag(t, req.Tag)
		case "untag":
			return st.PlanUntag(t, req.Tag)
		case "star":
			return st.PlanStar(t)
		case "unstar":
			return st.PlanUnstar(t)
		case "comment":
			return st.PlanComment(t, req.Text)
		}
		return annotate.Change{}, fmt.Errorf("%w: action %q: want tag, untag, star, unstar or withdraw", annotate.ErrRefused, req.Action)
	})
}

// noteRequest is the JSON body of POST /api/v1/notes.
type noteRequest struct {
	Title      string   `json:"title"`
	Body       string   `json:"body"`
	Cites      []string `json:"cites"`
	ForReport  bool     `json:"for_report"`
	Supersedes uint64   `json:"supersedes"`
	Withdraw   bool     `json:"withdraw"` // withdraw note Supersedes instead
}

func (h *handler) apiNotes(w http.ResponseWriter, r *http.Request) {
	notes := []annotate.Note{}
	if err := h.s.annots.read(func(st *annotate.State) { notes = append(notes, st.Notes()...) }); err != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"notes": notes})
}

func (h *handler) apiNoteWrite(w http.ResponseWriter, r *http.Request) {
	var req noteRequest
	if !readJSON(w, r, &req) {
		return
	}
	h.apiRecord(w, r, func(st *annotate.State) (annotate.Change, error) {
		if req.Withdraw {
			return st.PlanWithdraw(req.Supersedes)
		}
		if err := annotate.CheckCites(h.s.c.Case, req.Cites); err != nil {
			return annotate.Change{}, err
		}
		return st.PlanNote(annotate.NoteDraft{Title: req.Title, Body: req.Body, Cites: req.Cites, ForReport: req.ForReport, Supersedes: req.Supersedes})
	})
}

// iocRequest is the JSON body of POST /api/v1/iocs.
type iocRequest struct {
	Indicator string `json:"indicator"`
	Type      string `json:"type"`
	TLP       string `json:"tlp"`
	Comment   string `json:"comment"`
	Remove    bool   `json:"remove"`
}

func (h *handler) apiIOCs(w http.ResponseWriter, r *http.Request) {
	iocs := []annotate.IOC{}
	if err := h.s.annots.read(func(st *annotate.State) { iocs = append(iocs, st.IOCs()...) }); err != nil {
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"iocs": iocs})
}

func (h *handler) apiIOCWrite(w http.ResponseWriter, r *http.Request) {
	var req iocRequest
	if !readJSON(w, r, &req) {
		return
	}
	h.apiRecord(w, r, func(st *annotate.State) (annotate.Change, error) {
		if req.Remove {
			return st.PlanUnlistIOC(req.Indicator)
		}
		return st.PlanIOC(annotate.IOCDraft{Indicator: req.Indicator, Type: req.Type, TLP: req.TLP, Comment: req.Comment})
	})
}

// apiRecord records a planned annotation and answers with its entry.
func (h *handler) apiRecord(w http.ResponseWriter, r *http.Request, plan func(*annotate.State) (annotate.Change, error)) {
	e, err := h.s.annots.record(r.Context(), actorOf(principalOf(r)), plan)
	switch {
	case errors.Is(err, annotate.ErrRefused):
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": refusal(err), "status": http.StatusBadRequest})
	case err != nil:
		h.s.fail(w, r, true, http.StatusInternalServerError, err)
	default:
		writeJSON(w, http.StatusCreated, map[string]any{"entry": e.Index, "kind": e.Kind, "actor": e.Actor,
			"time": e.Time.Format(evidence.TimeFormat), "payload": json.RawMessage(e.Payload)})
	}
}

// readJSON decodes a bounded JSON body, answering 400 when it is not one.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, annotate.MaxBody+64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "the body must be a JSON object of the documented fields", "status": http.StatusBadRequest})
		return false
	}
	return true
}
