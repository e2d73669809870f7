package ui

import (
	"errors"
	"net/http"

	"github.com/gorilla/mux"
)

// userToken makes an API token for a user and shows it once.
func (h *handler) userToken(w http.ResponseWriter, r *http.Request) {
	name := mux.Vars(r)["name"]
	tok, err := NewToken(r.Context(), h.s.c.Case, actorOf(principalOf(r)), name)
	if errors.Is(err, ErrNoUser) {
		h.s.fail(w, r, false, http.StatusNotFound, err)
		return
	}
	if err != nil {
		h.s.fail(w, r, false, http.StatusInternalServerError, err)
		return
	}
	h.renderUsers(w, r, http.StatusOK, usersData{Token: tok, TokenOf: name})
}
