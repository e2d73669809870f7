package ui

import (
	"net/http"
	"strings"

	"github.com/casefile/casefile/evidence/eventstore"
)

// searchSave records a named search of the timeline (a search.saved
// entry: who and when; saving the name again is a new entry, an empty
// query removes it) and returns to the timeline showing it.
func (h *handler) searchSave(w http.ResponseWriter, r *http.Request) {
	s := h.s
	name, q := strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("q"))
	if _, err := eventstore.SaveSearch(r.Context(), s.c.Case, name, q, actorOf(principalOf(r))); err != nil {
		s.fail(w, r, false, http.StatusBadRequest, err)
		return
	}
	st := searchState{Sort: "time", Limit: defaultLimit, Cols: defaultCols}
	http.Redirect(w, r, st.Link(q, 0), http.StatusSeeOther)
}
