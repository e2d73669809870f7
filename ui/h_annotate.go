package ui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/casefile/casefile/evidence/annotate"
)

// annotBlock is what the "annotations" partial shows for one target: its
// current tags, star and comments, and the forms to add and withdraw them.
type annotBlock struct {
	V       *view
	Target  annotate.Target
	Marks   []annotate.Mark
	Starred bool
	Back    string // where the forms return to
}

// annotRef is what a page holds to show a target's annotations.
type annotRef struct {
	Target annotate.Target
	Marks  []annotate.Mark
	Back   string
}

// annotOf reads the annotations of a target for a page at back.
func (s *Server) annotOf(t annotate.Target, back string) annotRef {
	a := annotRef{Target: t, Back: back}
	_ = s.annots.read(func(st *annotate.State) { a.Marks = st.Marks(t.Ref) })
	return a
}

// annotBlockOf builds the partial's data (a template function, so that a
// page shows the block with one line: {{template "annotations" (annot . .D.Annot)}}).
func annotBlockOf(v *view, a annotRef) annotBlock {
	b := annotBlock{V: v, Target: a.Target, Marks: a.Marks, Back: a.Back}
	for _, m := range a.Marks {
		if m.Mark == annotate.MarkStar {
			b.Starred = true
		}
	}
	return b
}

type annotatePageData struct {
	Block annotBlock
	Link  map[string]string
	Error string
}

// annotatePage shows one target (event, source, artefact or custody
// entry) with its annotations and the forms to add more.
func (h *handler) annotatePage(w http.ResponseWriter, r *http.Request) {
	t, err := annotate.ParseTarget(r.URL.Query().Get("target"))
	if err != nil {
		h.s.fail(w, r, false, http.StatusNotFound, err)
		return
	}
	if o, err := strconv.ParseInt(r.URL.Query().Get("offset"), 10, 64); err == nil && t.Type == annotate.TargetEvent && o >= 0 {
		t.Offset = o
	}
	h.renderAnnotate(w, r, t, http.StatusOK, "")
}

func (h *handler) renderAnnotate(w http.ResponseWriter, r *http.Request, t annotate.Target, status int, msg string) {
	s := h.s
	v := s.newView(r, "Annotations of "+t.Words(), "notes", nil)
	v.D = annotatePageData{Block: annotBlockOf(v, s.annotOf(t, annotateURL(t))), Link: targetLink(t), Error: msg}
	s.render(w, r, status, "annotate", v)
}

// annotateURL is the page of a target's annotations.
func annotateURL(t annotate.Target) string {
	u := "/annotate?target=" + url.QueryEscape(t.Ref)
	if t.Type == annotate.TargetEvent && t.Offset > 0 {
		u += "&offset=" + strconv.FormatInt(t.Offset, 10)
	}
	return u
}

// targetLink is where a target itself is shown.
func targetLink(t annotate.Target) map[string]string {
	switch t.Type {
	case annotate.TargetSource:
		return map[string]string{"href": "/sources/" + url.PathEscape(t.Ref), "label": "source " + t.Ref}
	case annotate.TargetEntry:
		return citeLink(t.Ref)
	case annotate.TargetEvent:
		if strings.Contains(t.Ref, "#B") || strings.Contains(t.Ref, "#R") {
			h := strings.TrimPrefix(t.Artefact(), "sha256:")
			return map[string]string{"href": "/evidence/" + h + "/content?at=" + strconv.FormatInt(t.Offset, 10), "label": t.Ref}
		}
	}
	return citeLink(t.Ref)
}

// annotateSubmit records a tag, star or withdrawal (analysts), or a
// comment (analysts and counsel, on its own route), and returns to the
// page the form was on.
func (h *handler) annotateSubmit(w http.ResponseWriter, r *http.Request) {
	s := h.s
	action := r.PostFormValue("action")
	t, err := annotate.ParseTarget(r.PostFormValue("target"))
	if err != nil && action != "withdraw" {
		s.fail(w, r, false, http.StatusBadRequest, err)
		return
	}
	if o, err := strconv.ParseInt(r.PostFormValue("offset"), 10, 64); err == nil && t.Type == annotate.TargetEvent && o >= 0 {
		t.Offset = o
	}
	if action != "withdraw" && action != "untag" && action != "unstar" {
		if err := annotate.Check(s.c.Case, t); err != nil {
			h.annotateRefused(w, r, t, err)
			return
		}
	}
	_, err = s.annots.record(r.Context(), actorOf(principalOf(r)), func(st *annotate.State) (annotate.Change, error) {
		switch action {
		case "tag":
			return st.PlanTag(t, r.PostFormValue("tag"))
		case "untag":
			return st.PlanUntag(t, r.PostFormValue("tag"))
		case "star":
			return st.PlanStar(t)
		case "unstar":
			return st.PlanUnstar(t)
		case "comment":
			return st.PlanComment(t, r.PostFormValue("text"))
		case "withdraw":
			n, err := strconv.ParseUint(r.PostFormValue("entry"), 10, 64)
			if err != nil {
				return annotate.Change{}, fmt.Errorf("%w: no entry number", annotate.ErrRefused)
			}
			return st.PlanWithdraw(n)
		}
		return annotate.Change{}, fmt.Errorf("%w: unknown action %q", annotate.ErrRefused, action)
	})
	if err != nil {
		h.annotateRefused(w, r, t, err)
		return
	}
	back := s.safeNext(r.PostFormValue("back"))
	if back == "/" && t.Ref != "" {
		back = annotateURL(t)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// commentSubmit is annotateSubmit for a comment: counsel may comment.
func (h *handler) commentSubmit(w http.ResponseWriter, r *http.Request) {
	_ = r.PostFormValue("action") // parses the form (the CSRF check already read it)
	r.PostForm.Set("action", "comment")
	h.annotateSubmit(w, r)
}

func (h *handler) annotateRefused(w http.ResponseWriter, r *http.Request, t annotate.Target, err error) {
	if !errors.Is(err, annotate.ErrRefused) {
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	if t.Ref == "" {
		h.s.fail(w, r, false, http.StatusBadRequest, err)
		return
	}
	h.renderAnnotate(w, r, t, http.StatusBadRequest, strings.TrimPrefix(err.Error(), annotate.ErrRefused.Error()+": "))
}

// dict makes a map of key, value pairs for a partial template's data.
func dict(kv ...any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok {
			m[k] = kv[i+1]
		}
	}
	return m
}
