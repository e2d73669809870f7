package ui

import (
	"errors"
	"net/http"

	"github.com/casefile/casefile/evidence/annotate"
)

type iocsData struct {
	IOCs   []annotate.IOC
	Types  []string
	TLPs   []string
	Form   annotate.IOCDraft
	Error  string
	Edited string
}

// iocList shows the curated IOC list with each item's TLP, and the forms
// to list, change and remove indicators; ?indicator=X fills in the form.
func (h *handler) iocList(w http.ResponseWriter, r *http.Request) {
	d := iocsData{Form: annotate.IOCDraft{Indicator: r.URL.Query().Get("indicator")}}
	h.renderIOCs(w, r, http.StatusOK, d)
}

func (h *handler) renderIOCs(w http.ResponseWriter, r *http.Request, status int, d iocsData) {
	s := h.s
	if err := s.annots.read(func(st *annotate.State) { d.IOCs = st.IOCs() }); err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	d.Types, d.TLPs = annotate.IOCTypes, annotate.TLPLevels
	if d.Form.TLP == "" {
		d.Form.TLP = annotate.DefaultTLP
	}
	s.render(w, r, status, "iocs", s.newView(r, "IOC list", "iocs", d))
}

// iocAdd lists an indicator or changes its listing (ioc.listed).
func (h *handler) iocAdd(w http.ResponseWriter, r *http.Request) {
	f := annotate.IOCDraft{Indicator: r.PostFormValue("indicator"), Type: r.PostFormValue("type"), TLP: r.PostFormValue("tlp"), Comment: r.PostFormValue("comment")}
	h.iocRecord(w, r, f, func(st *annotate.State) (annotate.Change, error) { return st.PlanIOC(f) })
}

// iocRemove takes an indicator off the list (annotation.withdrawn).
func (h *handler) iocRemove(w http.ResponseWriter, r *http.Request) {
	ind := r.PostFormValue("indicator")
	h.iocRecord(w, r, annotate.IOCDraft{}, func(st *annotate.State) (annotate.Change, error) { return st.PlanUnlistIOC(ind) })
}

func (h *handler) iocRecord(w http.ResponseWriter, r *http.Request, f annotate.IOCDraft, plan func(*annotate.State) (annotate.Change, error)) {
	_, err := h.s.annots.record(r.Context(), actorOf(principalOf(r)), plan)
	switch {
	case errors.Is(err, annotate.ErrRefused):
		h.renderIOCs(w, r, http.StatusBadRequest, iocsData{Form: f, Error: refusal(err)})
	case err != nil:
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
	default:
		http.Redirect(w, r, "/iocs", http.StatusSeeOther)
	}
}
