package ui

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/casefile/casefile/evidence/annotate"
	"github.com/casefile/casefile/evidence/annotate/mdhtml"
)

// noteForm is what the note form holds (kept after a refusal).
type noteForm struct {
	Title, Body, Cites string
	ForReport          bool
}

type notesData struct {
	Notes []annotate.Note
	Form  noteForm
	Error string
}

type noteData struct {
	N     *annotate.Note
	HTML  template.HTML
	Cites []map[string]string
	Form  noteForm
	Error string
}

// noteList shows the case notes and the form to write one; ?cite=REF
// (repeatable) fills in what the new note cites.
func (h *handler) noteList(w http.ResponseWriter, r *http.Request) {
	h.renderNotes(w, r, http.StatusOK, notesData{Form: noteForm{Cites: strings.Join(r.URL.Query()["cite"], "\n")}})
}

func (h *handler) renderNotes(w http.ResponseWriter, r *http.Request, status int, d notesData) {
	s := h.s
	if err := s.annots.read(func(st *annotate.State) { d.Notes = st.Notes() }); err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	s.render(w, r, status, "notes", s.newView(r, "Notes", "notes", d))
}

// noteCreate records a new note (note.written).
func (h *handler) noteCreate(w http.ResponseWriter, r *http.Request) {
	f := readNoteForm(r)
	e, err := h.writeNote(r, f, 0)
	if err != nil {
		if !errors.Is(err, annotate.ErrRefused) {
			h.s.fail(w, r, false, http.StatusInternalServerError, err)
			return
		}
		h.renderNotes(w, r, http.StatusBadRequest, notesData{Form: f, Error: refusal(err)})
		return
	}
	http.Redirect(w, r, "/notes/"+strconv.FormatUint(e, 10), http.StatusSeeOther)
}

// noteShow shows a note's current version, rendered from Markdown (raw
// HTML dropped), with what it cites and its earlier versions.
func (h *handler) noteShow(w http.ResponseWriter, r *http.Request) {
	h.renderNote(w, r, http.StatusOK, nil, "")
}

func (h *handler) renderNote(w http.ResponseWriter, r *http.Request, status int, f *noteForm, msg string) {
	s := h.s
	n, _ := strconv.ParseUint(mux.Vars(r)["n"], 10, 64)
	var note *annotate.Note
	var by uint64
	if err := s.annots.read(func(st *annotate.State) { note, by = st.Note(n), st.SupersededBy(n) }); err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	if note == nil {
		if by != 0 { // withdrawn: the custody entry tells what it was
			http.Redirect(w, r, "/custody/"+strconv.FormatUint(by, 10), http.StatusSeeOther)
			return
		}
		s.fail(w, r, false, http.StatusNotFound, nil)
		return
	}
	if note.Entry != n {
		http.Redirect(w, r, "/notes/"+strconv.FormatUint(note.Entry, 10), http.StatusSeeOther)
		return
	}
	html, err := mdhtml.Render(note.Body, 2)
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	d := noteData{N: note, HTML: html, Error: msg}
	for _, c := range note.Cites {
		if t, err := annotate.ParseTarget(c); err == nil {
			l := targetLink(t)
			l["ref"] = c
			d.Cites = append(d.Cites, l)
		}
	}
	if f != nil {
		d.Form = *f
	} else {
		d.Form = noteForm{Title: note.Title, Body: note.Body, Cites: strings.Join(note.Cites, "\n"), ForReport: note.ForReport}
	}
	s.render(w, r, status, "note", s.newView(r, note.Title, "notes", d))
}

// noteEdit records a new version of a note, superseding the one shown.
func (h *handler) noteEdit(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.ParseUint(mux.Vars(r)["n"], 10, 64)
	f := readNoteForm(r)
	e, err := h.writeNote(r, f, n)
	if err != nil {
		if !errors.Is(err, annotate.ErrRefused) {
			h.s.fail(w, r, false, http.StatusInternalServerError, err)
			return
		}
		h.renderNote(w, r, http.StatusBadRequest, &f, refusal(err))
		return
	}
	http.Redirect(w, r, "/notes/"+strconv.FormatUint(e, 10), http.StatusSeeOther)
}

// noteWithdraw withdraws a note; its versions stay in the log.
func (h *handler) noteWithdraw(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.ParseUint(mux.Vars(r)["n"], 10, 64)
	_, err := h.s.annots.record(r.Context(), actorOf(principalOf(r)), func(st *annotate.State) (annotate.Change, error) {
		return st.PlanWithdraw(n)
	})
	if err != nil {
		if errors.Is(err, annotate.ErrRefused) {
			h.s.fail(w, r, false, http.StatusBadRequest, err)
			return
		}
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	http.Redirect(w, r, "/notes", http.StatusSeeOther)
}

func readNoteForm(r *http.Request) noteForm {
	return noteForm{Title: r.PostFormValue("title"), Body: strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n"),
		Cites: r.PostFormValue("cites"), ForReport: r.PostFormValue("for_report") != ""}
}

// writeNote records a note (supersedes 0) or a new version of one, after
// checking that the case holds what it cites.
func (h *handler) writeNote(r *http.Request, f noteForm, supersedes uint64) (uint64, error) {
	var cites []string
	for _, c := range strings.Split(f.Cites, "\n") {
		if c = strings.TrimSpace(c); c != "" {
			cites = append(cites, c)
		}
	}
	if err := annotate.CheckCites(h.s.c.Case, cites); err != nil {
		return 0, err
	}
	e, err := h.s.annots.record(r.Context(), actorOf(principalOf(r)), func(st *annotate.State) (annotate.Change, error) {
		return st.PlanNote(annotate.NoteDraft{Title: f.Title, Body: f.Body, Cites: cites, ForReport: f.ForReport, Supersedes: supersedes})
	})
	if err != nil {
		return 0, err
	}
	return e.Index, nil
}

// refusal is a refused annotation's reason, for the person who asked.
func refusal(err error) string {
	return strings.TrimPrefix(err.Error(), annotate.ErrRefused.Error()+": ")
}
