package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/graph/triage"
)

// maxViewName bounds a saved view's name, in characters.
const maxViewName = 100

// viewSave records the sources table's filters and sort under a name (a
// view.saved custody entry), so that the team finds the same triage again.
// The query is read back through the filter, so that only what the table
// understands is saved.
func (h *handler) viewSave(w http.ResponseWriter, r *http.Request) {
	s := h.s
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" || utf8.RuneCountInString(name) > maxViewName || strings.ContainsFunc(name, func(c rune) bool { return c < ' ' }) {
		h.renderSources(w, r, http.StatusBadRequest, fmt.Sprintf("A saved view needs a name of 1 to %d characters on one line.", maxViewName))
		return
	}
	q, err := url.ParseQuery(r.PostFormValue("query"))
	if err != nil {
		h.renderSources(w, r, http.StatusBadRequest, "The filters to save could not be read.")
		return
	}
	tq := readTableQuery(q)
	query := tq.link(tq.Sort, tq.Desc, 0, defaultLimit)[1:]
	_, err = s.c.Append(r.Context(), evidence.Draft{Kind: KindViewSaved, Actor: actorOf(principalOf(r)), Payload: ViewPayload{
		Name: name, Page: "sources", Query: query, Summary: fmt.Sprintf("saved the sources view %q: %s", name, describeFilter(tq.F))}})
	if err != nil {
		s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	http.Redirect(w, r, "/sources?"+query+"#saved-views", http.StatusSeeOther)
}

// describeFilter says in words what a filter selects.
func describeFilter(f triage.Filter) string {
	v := f.Values()
	if len(v) == 0 {
		return "every source"
	}
	var parts []string
	for _, k := range triage.Params {
		if x := v.Get(k); x != "" {
			parts = append(parts, k+"="+x)
		}
	}
	return strings.Join(parts, ", ")
}
